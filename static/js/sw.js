/* The service worker, served at /sw.js (sip/core/views.py prepends SHELL, the versioned addresses of the app's
   styles and scripts, and VERSION, so that a new deployment installs a new worker and drops the old caches).

   - Styles, scripts and images: from the cache first (their addresses change with their content).
   - Report pages and the reports overview: from the network, a copy kept for reading offline; the last KEEP
     reports opened are kept, the oldest dropped. Offline, the kept copy is shown (the page itself says it is
     offline: static/js/field.js); a page never kept gets a short bilingual notice.
   - Nothing else is kept, and nothing that is posted: a save made offline is queued by static/js/drafts.js.
   Everything is deleted on sign-out (the page sends "clear"; the server also sends Clear-Site-Data). */
/* global SHELL, VERSION */
"use strict";

var STATIC_CACHE = "sip-static-" + VERSION;
var PAGES_CACHE = "sip-pages";
var KEEP = 12;
var KEPT_PAGE = /^\/reports(\/[^/]+\/[^/]+)?\/?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("sip-static-") === 0 && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  return url.origin === self.location.origin && KEPT_PAGE.test(url.pathname) && !url.search;
}

function keep(request, response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") {
    return Promise.resolve();
  }
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.put(request, response).then(function () { return cache.keys(); }).then(function (keys) {
      // Cache keys come back in insertion order; put() of a known address moves it to the end.
      return Promise.all(keys.slice(0, Math.max(0, keys.length - KEEP)).map(function (old) {
        return cache.delete(old);
      }));
    });
  });
}

// The kept copy, marked so that the page knows it is reading it offline (navigator.onLine is not reliable: it says
// true behind a captive portal or a dead link).
function markedCopy(found) {
  return found.text().then(function (html) {
    return new Response(html.replace("<html ", "<html data-offline-copy "), {
      status: 200, headers: {"Content-Type": "text/html; charset=utf-8"}
    });
  });
}

function offlinePage() {
  var html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>Hors ligne · Offline</title><main style='font:16px/1.5 system-ui,sans-serif;padding:1rem'>" +
    "<h1 lang=fr>Vous êtes hors ligne</h1><p lang=fr>Cette page n'a pas été gardée sur cet appareil. " +
    "Les rapports ouverts récemment restent lisibles.</p>" +
    "<h1 lang=en>You are offline</h1><p lang=en>This page was not kept on this device. " +
    "The reports you opened recently can still be read.</p></main>";
  return new Response(html, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/assets/") === 0) {
    event.respondWith(caches.match(request).then(function (found) {
      return found || fetch(request);
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (keepable(url)) {
      event.waitUntil(keep(request, response.clone()));
    }
    return response;
  }).catch(function () {
    return caches.match(request, {cacheName: PAGES_CACHE, ignoreVary: true}).then(function (found) {
      return found ? markedCopy(found) : offlinePage();
    });
  }));
});

self.addEventListener("message", function (event) {
  var message = event.data || {};
  if (message.type === "clear") {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    }));
  } else if (message.type === "keep" && message.url) {
    var url = new URL(message.url);
    if (keepable(url)) {
      var request = new Request(url.href, {credentials: "same-origin"});
      event.waitUntil(fetch(request).then(function (response) { return keep(request, response); }));
    }
  }
});
