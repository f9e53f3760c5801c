/* Every page: keyboard-reachable wide tables, and "读给我听" buttons read their figures aloud with the browser's speech synthesis in the page's language. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-Hans";
  var speechLang = lang.indexOf("zh") === 0 ? "zh-CN" : "en-US";

  function speak(text) {
    if (!("speechSynthesis" in window) || !text) {
      return false;
    }
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = speechLang;
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
    return true;
  }
  window.pbSpeak = speak;

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-speak]") : null;
    if (button) {
      speak(button.dataset.speak);
    }
  });
  // A wide table scrolls inside its box: make the box reachable by keyboard.
  document.querySelectorAll(".table-wrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
    }
  });
  // A form with data-confirm asks first, in the page (no pop-up): the first button opens the question.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var open = form.querySelector("[data-confirm-open]");
    var step = form.querySelector("[data-confirm-step]");
    var cancel = form.querySelector("[data-confirm-cancel]");
    if (!open || !step) {
      return;
    }
    open.hidden = false;
    step.hidden = true;
    if (cancel) {
      cancel.hidden = false;
    }
    open.addEventListener("click", function () {
      open.hidden = true;
      step.hidden = false;
      var yes = step.querySelector("[type=submit]");
      if (yes) {
        yes.focus();
      }
    });
    if (cancel) {
      cancel.addEventListener("click", function () {
        step.hidden = true;
        open.hidden = false;
        open.focus();
      });
    }
  });
  if (!("speechSynthesis" in window)) {
    document.querySelectorAll("[data-speak]").forEach(function (b) { b.hidden = true; });
  }
})();
