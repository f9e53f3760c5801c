/* Shared QR scanner widget.
   <div data-qr-scanner data-qr-target="#code-input" data-qr-submit="#form-id"> gets a live <video> from the rear
   camera (any camera on a desk computer), decodes frames with jsQR, writes the text into the target input,
   dispatches a `qr-decoded` CustomEvent (detail.text) and submits the form if data-qr-submit is given.
   If the camera fails it says so in words; the typed-code input stays usable.
   Optional texts: data-msg-starting, data-msg-ready, data-msg-failed, data-msg-read. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var DEFAULTS = zh ? {
    starting: "正在打开摄像头…",
    ready: "请把二维码对准摄像头",
    failed: "无法使用摄像头，请在下方输入数字码。",
    read: "已识别二维码"
  } : {
    starting: "Starting the camera…",
    ready: "Point the camera at the QR code",
    failed: "The camera cannot be used. Type the number below instead.",
    read: "QR code read"
  };

  function message(root, name) {
    var key = "msg" + name.charAt(0).toUpperCase() + name.slice(1);
    return root.dataset[key] || DEFAULTS[name];
  }

  function start(root) {
    var target = root.dataset.qrTarget ? document.querySelector(root.dataset.qrTarget) : null;
    var form = root.dataset.qrSubmit ? document.querySelector(root.dataset.qrSubmit) : null;
    var status = root.querySelector("[data-qr-status]");
    if (!status) {
      status = document.createElement("p");
      status.className = "muted scanner-status";
      root.appendChild(status);
    }
    status.setAttribute("role", "status");
    function say(name, isError) {
      status.textContent = message(root, name);
      status.classList.toggle("error", !!isError);
      root.dataset.qrState = name;
    }
    say("starting");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
      say("failed", true);
      return;
    }
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-hidden", "true");
    video.muted = true;
    root.insertBefore(video, root.firstChild);
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var done = false;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
      }
    }

    function found(text) {
      done = true;
      stop();
      say("read");
      if (target) {
        target.value = text;
      }
      root.dispatchEvent(new CustomEvent("qr-decoded", { detail: { text: text }, bubbles: true }));
      if (form) {
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    }

    function tick() {
      if (done) {
        return;
      }
      if (video.readyState >= 2 && video.videoWidth) {
        var scale = Math.min(1, 800 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        if (code && code.data) {
          found(code.data);
          return;
        }
      }
      window.setTimeout(tick, 150);
    }

    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(function () {
        say("ready");
        tick();
      })
      .catch(function () {
        stop();
        video.remove();
        say("failed", true);
      });
    window.addEventListener("pagehide", stop);
  }

  window.pbScanner = { start: start };
  document.querySelectorAll("[data-qr-scanner]:not([data-qr-manual])").forEach(start);
})();
