// The personal check-in code changes every minute: reload the page a little before it does.
(function () {
  "use strict";
  var box = document.getElementById("my-code");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 60;
  var left = seconds - (Math.floor(Date.now() / 1000) % seconds);
  window.setTimeout(function () { window.location.reload(); }, Math.max(left, 5) * 1000);
})();
