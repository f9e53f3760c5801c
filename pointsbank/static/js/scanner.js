/* Shared QR scanner widget.
   <div data-qr-scanner data-qr-target="#code-input" data-qr-submit="#form-id"> gets a live <video> from the rear
   camera (any camera on a desk computer) inside an aiming frame, decodes frames with jsQR, writes the text into
   the target input, dispatches a `qr-decoded` CustomEvent (detail.text), beeps, vibrates, shows a tick and submits
   the form if data-qr-submit is given. A torch button appears where the camera has one, a camera switch where
   there are several. If the camera fails it says so in words; the typed-code input stays usable.
   Optional texts: data-msg-starting, data-msg-ready, data-msg-failed, data-msg-read. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var DEFAULTS = zh ? {
    starting: "正在打开摄像头…",
    ready: "请把二维码对准框内",
    failed: "无法使用摄像头，请在下方输入数字码。",
    read: "已识别二维码",
    torchOn: "打开手电筒",
    torchOff: "关闭手电筒",
    switchCamera: "换一个摄像头"
  } : {
    starting: "Starting the camera…",
    ready: "Point the camera at the QR code in the frame",
    failed: "The camera cannot be used. Type the number below instead.",
    read: "QR code read",
    torchOn: "Torch on",
    torchOff: "Torch off",
    switchCamera: "Switch camera"
  };

  function message(root, name) {
    var key = "msg" + name.charAt(0).toUpperCase() + name.slice(1);
    return root.dataset[key] || DEFAULTS[name];
  }

  function button(text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button";
    b.textContent = text;
    return b;
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
    var view = document.createElement("div");
    view.className = "scanner-view";
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-hidden", "true");
    video.muted = true;
    var frame = document.createElement("div");
    frame.className = "scanner-frame";
    frame.setAttribute("aria-hidden", "true");
    var mark = document.createElement("div");
    mark.className = "scanner-mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = "✓";
    view.appendChild(video);
    view.appendChild(frame);
    view.appendChild(mark);
    root.insertBefore(view, root.firstChild);
    var tools = document.createElement("div");
    tools.className = "actions scanner-tools";
    root.insertBefore(tools, status.nextSibling);
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var done = false;
    var deviceIndex = -1;
    var devices = [];

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
      }
    }

    function found(text) {
      done = true;
      say("read");
      root.classList.add("scanner-read");
      if (window.pbFeedback) {
        window.pbFeedback.good();
      }
      if (target) {
        target.value = text;
      }
      root.dispatchEvent(new CustomEvent("qr-decoded", { detail: { text: text }, bubbles: true }));
      // Let the beep and the tick show before the page moves on.
      window.setTimeout(function () {
        stop();
        if (form) {
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit();
          } else {
            form.submit();
          }
        }
      }, 250);
    }

    function tick() {
      if (done || !stream) {
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

    function offerTorch(track) {
      var caps = track && typeof track.getCapabilities === "function" ? track.getCapabilities() : {};
      if (!caps.torch) {
        return;
      }
      var on = false;
      var torch = button(message(root, "torchOn"));
      torch.setAttribute("aria-pressed", "false");
      torch.dataset.qrTorch = "";
      torch.addEventListener("click", function () {
        on = !on;
        track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
          torch.textContent = message(root, on ? "torchOff" : "torchOn");
          torch.setAttribute("aria-pressed", on ? "true" : "false");
        }).catch(function () { torch.remove(); });
      });
      tools.appendChild(torch);
    }

    function offerSwitch() {
      if (!navigator.mediaDevices.enumerateDevices) {
        return;
      }
      navigator.mediaDevices.enumerateDevices().then(function (list) {
        devices = list.filter(function (d) { return d.kind === "videoinput"; });
        if (devices.length < 2 || tools.querySelector("[data-qr-switch]")) {
          return;
        }
        var next = button(message(root, "switchCamera"));
        next.dataset.qrSwitch = "";
        next.addEventListener("click", function () {
          deviceIndex = (deviceIndex + 1) % devices.length;
          open({ deviceId: { exact: devices[deviceIndex].deviceId } });
        });
        tools.appendChild(next);
      }).catch(function () {});
    }

    function open(videoConstraints) {
      stop();
      tools.querySelectorAll("[data-qr-torch]").forEach(function (b) { b.remove(); });
      navigator.mediaDevices.getUserMedia({ video: videoConstraints, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          return video.play();
        })
        .then(function () {
          say("ready");
          offerTorch(stream.getVideoTracks()[0]);
          offerSwitch();
          tick();
        })
        .catch(function () {
          stop();
          view.remove();
          say("failed", true);
        });
    }

    open({ facingMode: { ideal: "environment" } });
    window.addEventListener("pagehide", stop);
  }

  window.pbScanner = { start: start };
  document.querySelectorAll("[data-qr-scanner]:not([data-qr-manual])").forEach(start);
})();
