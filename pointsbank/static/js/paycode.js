/* The pay code (付款码): refreshes about every minute with a countdown, keeps the screen awake (Wake Lock where
   available), and asks the server every 1.5 s what became of the code: once a clerk has used it the page opens
   the receipt (the success screen) by itself; a refused scan shows why; a scanned code stops refreshing while the clerk picks items. */
(function () {
  "use strict";
  var pay = document.querySelector("[data-pay-code]");
  if (!pay) {
    return;
  }
  var POLL_MS = 1500;
  var img = pay.querySelector("[data-qr-img]");
  var digits = pay.querySelector("[data-digits]");
  var status = pay.querySelector("[data-pay-status]");
  var live = pay.querySelector("[data-pay-live]");
  var countdown = pay.querySelector("[data-pay-countdown]");
  var defaultStatus = status ? status.textContent : "";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var failText = zh ? "网络不畅，付款码未能刷新。请点“换一个码”。" : "Could not refresh the code. Tap “New code”.";
  var refreshAt = Date.now() + parseInt(pay.dataset.refreshIn || "50", 10) * 1000;
  var state = "waiting";
  var lock = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function currentDigits() {
    return (digits.textContent || "").replace(/\D/g, "");
  }

  function say(text) {
    if (live) {
      live.textContent = text || "";
      live.hidden = !text;
    }
  }

  function refresh() {
    var forId = pay.dataset.for ? parseInt(pay.dataset.for, 10) : null;
    refreshAt = Date.now() + 15000;  // retried in 15 s if this fails
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
      var speak = pay.querySelector("[data-pay-speak]");
      if (speak) {
        speak.dataset.speak = speak.dataset.template.replace("{d}", data.digits.split("").join(" "));
      }
      state = "waiting";
      say("");
      if (status) {
        status.textContent = defaultStatus;
        status.classList.remove("error");
      }
      refreshAt = Date.now() + (data.refresh_in || 50) * 1000;
    }).catch(function () {
      if (status) {
        status.textContent = failText;
        status.classList.add("error");
      }
    });
  }

  var refusal = document.querySelector("[data-pay-refused]");

  function showRefusal(message) {
    if (!refusal || !refusal.hidden) {
      return;
    }
    refusal.querySelector("[data-refused-reason]").textContent = message;
    refusal.hidden = false;
    pay.hidden = true;
    if (navigator.vibrate) {
      navigator.vibrate([80, 60, 80]);
    }
    refusal.querySelector("h1").focus();
  }

  if (refusal) {
    refusal.querySelector("[data-refused-continue]").addEventListener("click", function () {
      refusal.hidden = true;
      pay.hidden = false;
      refresh();
    });
  }

  function poll() {
    if (document.visibilityState !== "visible" || !pay.dataset.status || pay.hidden) {
      return;
    }
    fetch(pay.dataset.status + "?digits=" + currentDigits(), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
        state = data.state;
        if (data.state === "used" && data.receipt) {
          window.location.assign(data.receipt);
        } else if (data.state === "refused") {
          showRefusal(data.message || "");
        } else if (data.state === "scanned") {
          say(live.dataset.msgScanned);
        } else if (data.state === "expired" || data.state === "revoked") {
          say(live.dataset[data.state === "expired" ? "msgExpired" : "msgRevoked"]);
        }
      })
      .catch(function () {});
  }

  function tick() {
    var left = Math.max(0, Math.round((refreshAt - Date.now()) / 1000));
    if (state === "scanned") {
      refreshAt = Date.now() + 5000;  // keep the code the clerk is using
    } else if (left <= 0 && document.visibilityState === "visible") {
      refresh();
    }
    if (countdown) {
      countdown.textContent = countdown.dataset.template.replace("{s}", String(left));
      countdown.hidden = state === "scanned";
    }
  }

  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") {
      return;
    }
    navigator.wakeLock.request("screen").then(function (l) {
      lock = l;
      pay.dataset.wakeLock = "on";
    }).catch(function () {
      pay.dataset.wakeLock = "refused";
    });
  }

  window.setInterval(tick, 1000);
  window.setInterval(poll, POLL_MS);
  keepAwake();
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      keepAwake();
      poll();
      if (state !== "scanned") {
        refresh();
      }
    } else if (lock) {
      lock.release().catch(function () {});
      lock = null;
    }
  });
  say("");
})();
