/* The offline counter: downloads the signed list while online, reads offline pay codes with no server,
   keeps each confirmation in IndexedDB with its own idempotency key ("waiting to sync") and syncs them in
   order when the network returns (and on the button). */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-counter]");
  if (!root) {
    return;
  }
  var PO = window.pbOffline;
  var stationId = root.dataset.station;
  var msg = function (name) { return root.dataset["msg" + name]; };
  var el = function (name) { return root.ownerDocument.querySelector("[data-" + name + "]"); };
  var bundle = null;
  var current = null; // { resident, device, step, otp }
  var syncing = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).catch(function () {});
  }

  // --- IndexedDB: "bundles" by station, "queue" by key --------------------------------------------------
  var dbPromise = new Promise(function (resolve, reject) {
    var open = indexedDB.open("pb-offline", 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore("bundles", { keyPath: "station" });
      open.result.createObjectStore("queue", { keyPath: "key" });
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });

  function store(name, mode, fn) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = fn(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  var put = function (name, value) { return store(name, "readwrite", function (s) { return s.put(value); }); };
  var get = function (name, key) { return store(name, "readonly", function (s) { return s.get(key); }); };
  var all = function (name) { return store(name, "readonly", function (s) { return s.getAll(); }); };

  function queueHere() {
    return all("queue").then(function (rows) {
      return rows.filter(function (r) { return r.station === stationId; })
        .sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // --- network state, bundle -------------------------------------------------------------------------
  function network() {
    var online = navigator.onLine;
    el("network").textContent = online ? msg("Online") : msg("Offline");
    el("network").classList.toggle("offline", !online);
    root.dataset.online = online ? "1" : "0";
  }

  function csrf() {
    return fetch(root.dataset.csrf, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { return j.csrf_token; });
  }

  function post(url, body) {
    return csrf().then(function (token) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body || {})
      });
    }).then(function (r) {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.json();
    });
  }

  function useBundle(candidate) {
    if (!candidate) {
      el("bundle-state").textContent = msg("NoBundle");
      return Promise.resolve(false);
    }
    return PO.verifyBundle(candidate, root.dataset.publicKey).then(function (ok) {
      if (!ok) {
        el("bundle-state").textContent = msg("BadBundle");
        bundle = null;
        return false;
      }
      if (new Date(candidate.body.expires_at) < new Date()) {
        el("bundle-state").textContent = msg("Expired");
        bundle = null;
        return false;
      }
      bundle = candidate;
      el("bundle-state").textContent = msg("Ready").replace("{n}", candidate.body.station.name)
        .replace("{t}", new Date(candidate.body.expires_at).toLocaleString(document.documentElement.lang));
      root.dataset.bundleReady = "1";
      return true;
    });
  }

  function loadBundle() {
    var fresh = navigator.onLine ? post(root.dataset.bundle).then(function (b) {
      return put("bundles", { station: stationId, bundle: b }).then(function () { return b; });
    }) : Promise.reject(new Error("offline"));
    return fresh.catch(function () {
      return get("bundles", stationId).then(function (row) { return row ? row.bundle : null; });
    }).then(useBundle);
  }

  // --- reading a code with no server --------------------------------------------------------------------
  function showError(text) {
    el("error").textContent = text;
    el("error").hidden = !text;
  }

  function spentOffline(residentId) {
    return queueHere().then(function (rows) {
      return rows.filter(function (r) {
        return r.bundle_id === bundle.body.bundle_id && r.resident === residentId && r.status !== "refused";
      }).reduce(function (sum, r) { return sum + r.points; }, 0);
    });
  }

  function read(text) {
    showError("");
    el("done").hidden = true;
    if (!bundle) {
      showError(msg("NoBundle"));
      return;
    }
    var parts = (text || "").trim().split(".");
    if (parts.length !== 3 || parts[0] !== "PB1O" || !/^[0-9]+$/.test(parts[1]) || !/^[0-9]{8}$/.test(parts[2])) {
      showError(msg("NotOffline"));
      return restartScanner();
    }
    var deviceId = parseInt(parts[1], 10);
    var otp = parts[2];
    var resident = null;
    var device = null;
    bundle.body.residents.forEach(function (r) {
      r.devices.forEach(function (d) {
        if (d.id === deviceId) {
          resident = r;
          device = d;
        }
      });
    });
    if (!device) {
      showError(msg("Invalid"));
      return restartScanner();
    }
    var stepSeconds = bundle.body.step_seconds;
    var now = Math.floor(Date.now() / 1000 / stepSeconds);
    var steps = [now - 2, now - 1, now, now + 1, now + 2];
    Promise.all(steps.map(function (step) {
      var key = device.keys[PO.dayOfStep(step, stepSeconds)];
      return key ? PO.codeAt(PO.hexBytes(key), step, bundle.body.digits) : Promise.resolve(null);
    })).then(function (codes) {
      var index = codes.indexOf(otp);
      if (index < 0) {
        showError(msg("Invalid"));
        return restartScanner();
      }
      var step = steps[index];
      return queueHere().then(function (rows) {
        var used = rows.some(function (r) { return r.record.device_id === deviceId && r.record.step === step; });
        if (used) {
          showError(msg("Used"));
          return restartScanner();
        }
        return spentOffline(resident.id).then(function (spent) {
          current = { resident: resident, device: device, step: step, otp: otp, left: resident.allowance - spent };
          showBasket();
        });
      });
    });
  }

  function showBasket() {
    el("scan-area").hidden = true;
    el("basket").hidden = false;
    el("resident").textContent = current.resident.name;
    el("allowance").textContent = msg("Left").replace("{n}", String(current.left));
    var items = el("items");
    items.textContent = "";
    bundle.body.items.forEach(function (item) {
      var label = document.createElement("label");
      label.className = "item-line";
      label.textContent = item.name + " · " + item.points + " ";
      var input = document.createElement("input");
      input.type = "number";
      input.min = "0";
      input.max = "99";
      input.value = "0";
      input.inputMode = "numeric";
      input.dataset.item = String(item.id);
      input.dataset.points = String(item.points);
      input.addEventListener("input", total);
      label.appendChild(input);
      items.appendChild(label);
    });
    total();
  }

  function basketLines() {
    var lines = [];
    el("items").querySelectorAll("input[data-item]").forEach(function (input) {
      var qty = parseInt(input.value, 10) || 0;
      if (qty > 0) {
        lines.push({ item_id: parseInt(input.dataset.item, 10), qty: qty, points: parseInt(input.dataset.points, 10) });
      }
    });
    return lines;
  }

  function total() {
    var sum = basketLines().reduce(function (s, l) { return s + l.qty * l.points; }, 0);
    el("total").textContent = String(sum);
    el("confirm").disabled = sum <= 0 || sum > current.left;
    showError(sum > current.left ? msg("Over").replace("{n}", String(current.left)) : "");
    return sum;
  }

  function confirm(event) {
    event.preventDefault();
    var lines = basketLines();
    var points = total();
    if (!current || points <= 0 || points > current.left) {
      return;
    }
    var key = "offline:" + stationId + ":" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    var row = {
      key: key,
      seq: Date.now(),
      station: stationId,
      bundle_id: bundle.body.bundle_id,
      resident: current.resident.id,
      name: current.resident.name,
      points: points,
      status: "pending",
      record: {
        key: key,
        device_id: current.device.id,
        step: current.step,
        otp: current.otp,
        lines: lines.map(function (l) { return { item_id: l.item_id, qty: l.qty }; }),
        confirmed_at: new Date().toISOString()
      }
    };
    put("queue", row).then(function () {
      el("done").textContent = current.resident.name + " · " + points + " · " + msg("Pending");
      el("done").hidden = false;
      current = null;
      el("basket").hidden = true;
      el("next").hidden = false;
      renderQueue();
      sync();
    });
  }

  function cancel() {
    current = null;
    el("basket").hidden = true;
    el("scan-area").hidden = false;
    restartScanner();
  }

  // --- the queue and its sync -------------------------------------------------------------------------
  function renderQueue() {
    return queueHere().then(function (rows) {
      var list = el("queue");
      list.textContent = "";
      var pending = 0;
      rows.slice().reverse().forEach(function (r) {
        var li = document.createElement("li");
        li.dataset.status = r.status;
        var state = { pending: msg("Pending"), posted: msg("Posted"), short: msg("Short"), refused: msg("Refused") };
        li.textContent = r.name + " · " + r.points + " · " + (state[r.status] || r.status) + (r.reason ? " (" + r.reason + ")" : "");
        list.appendChild(li);
        if (r.status === "pending") {
          pending += 1;
        }
      });
      el("pending-count").textContent = String(pending);
      root.dataset.pending = String(pending);
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) {
      return Promise.resolve();
    }
    syncing = true;
    return queueHere().then(function (rows) {
      var waiting = rows.filter(function (r) { return r.status === "pending"; });
      var byBundle = {};
      waiting.forEach(function (r) { (byBundle[r.bundle_id] = byBundle[r.bundle_id] || []).push(r); });
      var chain = Promise.resolve();
      Object.keys(byBundle).forEach(function (bundleId) {
        chain = chain.then(function () {
          var group = byBundle[bundleId];
          return post(root.dataset.sync, {
            bundle_id: parseInt(bundleId, 10),
            confirmations: group.map(function (r) { return r.record; })
          }).then(function (answer) {
            var byKey = {};
            answer.results.forEach(function (res) { byKey[res.key] = res; });
            return Promise.all(group.map(function (r) {
              var res = byKey[r.key];
              if (!res) {
                return null;
              }
              r.status = res.outcome;
              r.reason = res.reason || "";
              return put("queue", r);
            }));
          });
        });
      });
      return chain;
    }).catch(function () {}).then(function () {
      syncing = false;
      return renderQueue();
    });
  }

  function restartScanner() {
    var old = el("qr-scanner");
    if (!old || !window.pbScanner) {
      return;
    }
    var fresh = old.cloneNode(false);
    old.parentNode.replaceChild(fresh, old);
    fresh.addEventListener("qr-decoded", function (e) { read(e.detail.text); });
    window.pbScanner.start(fresh);
  }

  el("basket").addEventListener("submit", confirm);
  el("cancel").addEventListener("click", cancel);
  el("next").addEventListener("click", function () {
    el("next").hidden = true;
    el("done").hidden = true;
    el("scan-area").hidden = false;
    restartScanner();
  });
  el("sync-now").addEventListener("click", function () { sync(); });
  el("manual-read").addEventListener("click", function () { read(el("manual-code").value); });
  window.addEventListener("online", function () { network(); loadBundle(); sync(); });
  window.addEventListener("offline", network);
  network();
  loadBundle().then(function () {
    renderQueue();
    sync();
    restartScanner();
  });
})();
