/* Stations: running total on the item pickers (the pay code page has js/paycode.js). */
(function () {
  "use strict";

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
})();
