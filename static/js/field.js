/* On every page, for readers in field offices: an offline notice, the service worker (static/js/sw.js, served at
   /sw.js) that keeps the app shell and the last reports opened, error summaries that take the focus the GOV.UK way,
   and sign-out wiping everything personal this browser kept (drafts, queued saves, cached pages).

   Nothing here is needed for a task to work: without JavaScript every form still posts and every page still reads.
   The server also sends `Clear-Site-Data` when someone signs out; this script clears before that as well, for
   browsers that ignore the header. */
(function () {
  "use strict";

  var script = document.currentScript;
  var PERSONAL = /^sip-(draft|queue|user)/;  // localStorage keys holding someone's text, or who they are

  function clearPersonal() {
    try {
      var doomed = [];
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (PERSONAL.test(key)) { doomed.push(key); }
      }
      doomed.forEach(function (key) { window.localStorage.removeItem(key); });
      window.sessionStorage.clear();
    } catch (error) { /* storage refused: nothing was kept */ }
    if (window.caches && window.caches.keys) {
      window.caches.keys().then(function (names) {
        names.forEach(function (name) { window.caches.delete(name); });
      });
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "clear"});
    }
  }
  window.sipClearPersonal = clearPersonal;

  function signedInAs() {
    var account = document.querySelector("[data-account]");
    return account ? account.getAttribute("data-account") : null;
  }

  // Another person signed in on this browser (a shared office computer): nothing of the previous one is shown.
  function checkPerson() {
    var who = signedInAs();
    if (!who) { return; }
    try {
      var before = window.localStorage.getItem("sip-user");
      if (before && before !== who) { clearPersonal(); }
      window.localStorage.setItem("sip-user", who);
    } catch (error) { /* no storage */ }
  }

  function watchSignOut() {
    var forms = document.querySelectorAll("form[data-sign-out]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", clearPersonal);
    });
  }

  // Offline: the browser says so, or the service worker served the copy it kept (it marks the page).
  function offline() {
    return !navigator.onLine || document.documentElement.hasAttribute("data-offline-copy");
  }
  window.sipOffline = offline;

  function showOffline() {
    var notice = document.getElementById("offline-notice");
    if (!offline()) {
      if (notice) { notice.hidden = true; }
      document.documentElement.classList.remove("offline");
      return;
    }
    document.documentElement.classList.add("offline");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "offline-notice";
      notice.className = "offline-notice";
      notice.setAttribute("role", "status");
      notice.textContent = script.getAttribute("data-offline");
      var main = document.getElementById("main") || document.body;
      main.insertBefore(notice, main.firstChild);
    }
    notice.hidden = false;
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !signedInAs()) { return; }
    var address = script.getAttribute("data-sw");
    navigator.serviceWorker.register(address, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The first page of a visit was fetched before the worker ran: ask it to keep a copy of this one too.
      if (!navigator.serviceWorker.controller && registration.active && navigator.onLine) {
        registration.active.postMessage({type: "keep", url: window.location.href});
      }
    }).catch(function () { /* no worker (private mode, http): pages still work online */ });
  }

  // GOV.UK error summary: focus moves to it, and each of its links puts the focus in the field it names.
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!target) { return; }
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      var legend = target.closest("fieldset") && target.closest("fieldset").querySelector("legend");
      (label || legend || target).scrollIntoView();
      target.focus({preventScroll: true});
    });
  }

  function start() {
    checkPerson();
    watchSignOut();
    showOffline();
    errorSummary();
    registerWorker();
    window.addEventListener("online", showOffline);
    window.addEventListener("offline", showOffline);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
