/* Counter feedback for clerks: a beep and a vibration on a good read or a done redemption, a distinct low
   double tone on a refusal (WebAudio, no sound files). A page says what happened with
   an element with data-feedback="good|bad"; an error flash counts as a refusal.
   window.pbFeedback.good() / .bad() for scripts. */
(function () {
  "use strict";
  var audio = null;

  function context() {
    var Ctor = window.AudioContext || window.webkitAudioContext;
    if (!Ctor) {
      return null;
    }
    if (!audio) {
      try {
        audio = new Ctor();
      } catch (e) {
        return null;
      }
    }
    if (audio.state === "suspended" && audio.resume) {
      audio.resume().catch(function () {});
    }
    return audio;
  }

  function tone(freq, start, length, type) {
    var ctx = context();
    if (!ctx) {
      return;
    }
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = type || "sine";
    osc.frequency.value = freq;
    var t = ctx.currentTime + start;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.3, t + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + length + 0.02);
  }

  function vibrate(pattern) {
    if (navigator.vibrate) {
      try {
        navigator.vibrate(pattern);
      } catch (e) { /* not allowed without a tap: fine */ }
    }
  }

  var played = [];
  window.pbFeedback = {
    played: played,
    good: function () {
      played.push("good");
      tone(1320, 0, 0.12);
      vibrate(80);
    },
    bad: function () {
      played.push("bad");
      tone(330, 0, 0.18, "square");
      tone(220, 0.22, 0.25, "square");
      vibrate([120, 80, 120]);
    }
  };
  // Browsers start audio only after a tap on the page: be ready on the first one.
  document.addEventListener("pointerdown", function () { context(); }, { once: true });

  var marked = document.querySelector("[data-feedback]");
  var said = marked ? marked.dataset.feedback : (document.querySelector("main .flash-error") ? "bad" : "");
  // Only when the page was just reached (not on a reload or going back to it).
  var nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  if (nav && nav.type !== "navigate") {
    said = "";
  }
  if (said === "good" || said === "bad") {
    window.pbFeedback[said]();
  }
})();
