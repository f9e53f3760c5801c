// Reports (随手拍): photo checks before upload, previews, and the location only when asked.
(function () {
  "use strict";

  var input = document.getElementById("photos");
  var errorBox = document.getElementById("photo-error");
  var previews = document.getElementById("photo-previews");

  function showError(message) {
    if (!errorBox) { return; }
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  if (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.dataset.maxFiles, 10) || 3;
      var maxBytes = (parseInt(input.dataset.maxMb, 10) || 8) * 1024 * 1024;
      var files = Array.prototype.slice.call(input.files || []);
      showError("");
      if (files.length > max) {
        showError(input.dataset.tooMany);
      } else if (files.some(function (f) { return f.size > maxBytes; })) {
        showError(input.dataset.tooBig);
      }
      if (!previews) { return; }
      previews.textContent = "";
      files.slice(0, max).forEach(function (file) {
        if (!file.type || file.type.indexOf("image/") !== 0) { return; }
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
        previews.appendChild(img);
      });
    });
  }

  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        status.textContent = locate.dataset.failed;
        return;
      }
      status.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
        status.textContent = locate.dataset.located;
      }, function () {
        status.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
})();
