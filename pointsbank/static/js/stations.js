/* Stations: running total on the item pickers, and the pay code that refreshes about every minute. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  var form = document.getElementById("checkout-form");
  if (form) {
    var available = parseInt(form.dataset.available || "0", 10);
    var totalEl = form.querySelector("[data-total]");
    var overEl = form.querySelector("[data-over]");
    var update = function () {
      var total = 0;
      form.querySelectorAll("input.qty").forEach(function (input) {
        var qty = parseInt(input.value || "0", 10);
        if (qty > 0) {
          total += qty * parseInt(input.dataset.points, 10);
        }
      });
      if (totalEl) {
        totalEl.textContent = String(total);
      }
      if (overEl) {
        overEl.hidden = total <= available;
      }
    };
    form.addEventListener("input", update);
    update();
  }

  var pay = document.querySelector("[data-pay-code]");
  if (pay) {
    var img = pay.querySelector("[data-qr-img]");
    var digits = pay.querySelector("[data-digits]");
    var status = pay.querySelector("[data-pay-status]");
    var defaultStatus = status ? status.textContent : "";
    var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
    var failText = zh ? "网络不畅，付款码未能刷新。请点“换一个码”。" : "Could not refresh the code. Tap “New code”.";
    var refreshIn = parseInt(pay.dataset.refreshIn || "50", 10);
    var timer = null;
    var refresh = function () {
      var forId = pay.dataset.for ? parseInt(pay.dataset.for, 10) : null;
      fetch(pay.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ for_resident_id: forId })
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function (data) {
        img.src = data.qr;
        digits.textContent = data.digits.slice(0, 4) + " " + data.digits.slice(4);
        if (status) {
          status.textContent = defaultStatus;
          status.classList.remove("error");
        }
        schedule(data.refresh_in || refreshIn);
      }).catch(function () {
        if (status) {
          status.textContent = failText;
          status.classList.add("error");
        }
        schedule(15);
      });
    };
    var schedule = function (seconds) {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, seconds * 1000);
    };
    schedule(refreshIn);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        refresh();
      }
    });
  }
})();
