/* Service worker for the offline pages (/offline/): pages network-first with the cache as fallback; the
   scripts and styles they need cached at install. API calls are never cached. */
"use strict";
var CACHE = "pb-offline-v1";
var ASSETS = [
  "/static/css/app.css",
  "/static/css/stations.css",
  "/static/css/offline.css",
  "/static/js/offline-crypto.js",
  "/static/js/offline-pay.js",
  "/static/js/offline-counter.js",
  "/static/js/scanner.js",
  "/static/vendor/jsQR.js",
  "/static/vendor/qrcode.js"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;
  }
  var cacheable = url.pathname.indexOf("/offline/") === 0 || ASSETS.indexOf(url.pathname) >= 0;
  if (!cacheable || url.pathname === "/offline/csrf") {
    return;
  }
  event.respondWith(
    fetch(event.request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(event.request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(event.request).then(function (hit) {
        return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    })
  );
});
