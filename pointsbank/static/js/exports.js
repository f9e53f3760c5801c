// Exports page: fetch the streamed file, show rows and bytes received while it arrives, then save it.
// Without scripts (or without streams) the form goes to the plain download link.
(function () {
  "use strict";
  var form = document.querySelector("[data-export-form]");
  if (!form || !window.fetch || !window.ReadableStream || !window.TextDecoder) return;
  var status = form.querySelector("[data-export-progress]");
  var bar = form.querySelector("[data-export-bar]");

  function say(template, rows, bytes) {
    status.textContent = template.replace("{rows}", rows).replace("{kb}", Math.round(bytes / 102.4) / 10);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var parts = String(data.get("scope")).split(":");
    var fmt = data.get("format") === "xlsx" ? "xlsx" : "csv";
    var base = parts[0] === "street" ? "streets" : "communities";
    var kind = String(data.get("kind"));
    var url = "/api/v1/" + base + "/" + encodeURIComponent(parts[1]) + "/exports/" + encodeURIComponent(kind) + "." + fmt +
      "?from=" + encodeURIComponent(data.get("from")) + "&to=" + encodeURIComponent(data.get("to"));
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    bar.hidden = false;
    bar.removeAttribute("value");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || !response.body) throw new Error(String(response.status));
      var total = parseInt(response.headers.get("X-Row-Count") || "0", 10);
      if (total > 0) bar.max = total;
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var chunks = [], bytes = 0, rows = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return;
          chunks.push(step.value);
          bytes += step.value.length;
          if (fmt === "csv") rows += (decoder.decode(step.value, { stream: true }).match(/\n/g) || []).length;
          var shown = fmt === "csv" ? Math.max(rows - 1, 0) : total;
          if (total > 0 && fmt === "csv") bar.value = Math.min(shown, total);
          say(status.dataset.receiving, shown, bytes);
          return pump();
        });
      }
      return pump().then(function () {
        var shown = fmt === "csv" ? Math.max(rows - 1, 0) : total;
        if (total > 0) bar.value = total;
        say(status.dataset.done, shown, bytes);
        var blob = new Blob(chunks, { type: response.headers.get("Content-Type") || "application/octet-stream" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = kind + "." + fmt;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      });
    }).catch(function () {
      status.textContent = status.dataset.failed;
      bar.hidden = true;
    }).then(function () { button.disabled = false; });
  });
})();
