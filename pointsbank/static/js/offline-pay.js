/* The offline pay code: enrol this phone once (online), then show a code computed here each minute. */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-pay]");
  if (!root) {
    return;
  }
  var userId = root.dataset.user;
  var storeKey = "pb.offline.device." + userId;
  var stepSeconds = parseInt(root.dataset.stepSeconds, 10) || 60;
  var prefix = root.dataset.prefix;
  var digitsLength = 8;
  var el = function (name) { return root.querySelector("[data-" + name + "]"); };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).catch(function () {});
  }

  function device() {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || "null");
    } catch (e) {
      return null;
    }
  }

  function show(name, on) {
    var node = el(name);
    if (node) {
      node.hidden = !on;
    }
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return fetch(root.dataset.csrf, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { return j.csrf_token; })
      .catch(function () { return meta ? meta.content : ""; });
  }

  function enrol() {
    el("enrol-status").textContent = root.dataset.msgEnrolling;
    csrf().then(function (token) {
      return fetch(root.dataset.enrol, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ label: (navigator.platform || "phone").slice(0, 60) })
      });
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    }).then(function (res) {
      if (!res.ok) {
        el("enrol-status").textContent = (res.body.error && res.body.error.message) || root.dataset.msgFailed;
        return;
      }
      localStorage.setItem(storeKey, JSON.stringify({
        id: res.body.id, secret: res.body.secret, stepSeconds: res.body.step_seconds, digits: res.body.digits
      }));
      el("enrol-status").textContent = "";
      render();
    }).catch(function () {
      el("enrol-status").textContent = root.dataset.msgFailed;
    });
  }

  var timer = null;
  function render() {
    var d = device();
    show("enrol", !d);
    show("code", !!d);
    if (!d) {
      return;
    }
    var step = Math.floor(Date.now() / 1000 / stepSeconds);
    window.pbOffline.deviceCode(d.secret, step, stepSeconds, d.digits || digitsLength).then(function (otp) {
      var text = prefix + "." + d.id + "." + otp;
      var qr = window.qrcode(0, "M");
      qr.addData(text);
      qr.make();
      el("qr").src = qr.createDataURL(6, 12);
      el("qr").dataset.payload = text;
      el("digits").textContent = otp.slice(0, 4) + " " + otp.slice(4);
    });
    clearTimeout(timer);
    tick();
  }

  function tick() {
    var left = stepSeconds - Math.floor(Date.now() / 1000) % stepSeconds;
    el("countdown").textContent = root.dataset.msgRefresh.replace("{n}", String(left));
    timer = setTimeout(left <= 1 ? render : tick, 1000);
  }

  function network() {
    var online = navigator.onLine;
    el("network").textContent = online ? root.dataset.msgOnline : root.dataset.msgOffline;
    el("network").classList.toggle("offline", !online);
  }

  el("enrol-button").addEventListener("click", enrol);
  window.addEventListener("online", network);
  window.addEventListener("offline", network);
  network();
  render();
})();
