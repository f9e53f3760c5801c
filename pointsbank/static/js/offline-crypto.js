/* The arithmetic of offline pay codes in the browser (WebCrypto), mirroring pointsbank/offline/keys.py:
   day key = HMAC-SHA256(device secret, "pointsbank-offline:YYYY-MM-DD"); code = TOTP(day key, 60 s, 8 digits,
   SHA-1, RFC 6238); the counter's download is verified with ECDSA P-256 over its canonical JSON. */
(function () {
  "use strict";
  var enc = new TextEncoder();

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) {
      out[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return out;
  }

  function b64Bytes(b64) {
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function hmac(hash, keyBytes, data) {
    return crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: hash }, false, ["sign"])
      .then(function (key) { return crypto.subtle.sign("HMAC", key, data); })
      .then(function (sig) { return new Uint8Array(sig); });
  }

  function dayOfStep(step, stepSeconds) {
    return new Date(step * stepSeconds * 1000).toISOString().slice(0, 10);
  }

  function dayKey(secretHex, day) {
    return hmac("SHA-256", hexBytes(secretHex), enc.encode("pointsbank-offline:" + day));
  }

  function codeAt(keyBytes, step, digits) {
    var counter = new Uint8Array(8);
    var value = step;
    for (var i = 7; i >= 0; i--) {
      counter[i] = value % 256;
      value = Math.floor(value / 256);
    }
    return hmac("SHA-1", keyBytes, counter).then(function (h) {
      var offset = h[h.length - 1] & 0x0f;
      var bin = ((h[offset] & 0x7f) << 24) | (h[offset + 1] << 16) | (h[offset + 2] << 8) | h[offset + 3];
      var text = String(bin % Math.pow(10, digits));
      while (text.length < digits) {
        text = "0" + text;
      }
      return text;
    });
  }

  function deviceCode(secretHex, step, stepSeconds, digits) {
    return dayKey(secretHex, dayOfStep(step, stepSeconds)).then(function (key) { return codeAt(key, step, digits); });
  }

  /* The same text as Python's json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")). */
  function canonical(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(canonical).join(",") + "]";
    }
    if (value !== null && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (k) {
        return JSON.stringify(k) + ":" + canonical(value[k]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function verifyBundle(bundle, publicKeyB64) {
    return crypto.subtle.importKey("raw", b64Bytes(publicKeyB64), { name: "ECDSA", namedCurve: "P-256" }, false,
      ["verify"])
      .then(function (key) {
        return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, b64Bytes(bundle.signature),
          enc.encode(canonical(bundle.body)));
      })
      .catch(function () { return false; });
  }

  window.pbOffline = {
    hexBytes: hexBytes,
    dayOfStep: dayOfStep,
    codeAt: codeAt,
    deviceCode: deviceCode,
    canonical: canonical,
    verifyBundle: verifyBundle
  };
})();
