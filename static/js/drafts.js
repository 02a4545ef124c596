/* The report form's text kept on this device while the lead types, so that a lost connection, a closed tab or a
   failed save loses nothing; and a save made offline queued until the connection returns.

   - As the lead types, the form's fields are written to localStorage under "sip-draft:<page>:<version>", the
     version being the report's version the form was opened at.
   - When the page opens with a kept draft that differs from the form, a notice offers to restore or discard it.
     Restoring also restores the version the text was written against, so that a save still goes through the
     server's check and, when someone saved in between, its "both versions" page.
   - A save pressed while offline is kept as "sip-queue:<page>" and sent (the form posted as usual) as soon as the
     connection returns, on this page or when it is next opened online.
   - A draft is dropped once the server says the report is saved. Everything is cleared on sign-out
     (static/js/field.js). */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form || !window.localStorage) { return; }
  var script = document.currentScript;
  var page = window.location.pathname;
  var DRAFT = "sip-draft:" + page + ":";
  var QUEUE = "sip-queue:" + page;
  var SAVING = "sip-saving:" + page;
  var SKIP = {csrf_token: true, action: true};
  var writing = null;
  var sending = false;
  var RETRY_MS = 20000;

  function text(name, values) {
    var template = script.getAttribute("data-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (whole, key) { return values && key in values ? values[key] : whole; });
  }

  function versionField() {
    return form.querySelector("input[name='version']");
  }

  function read() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || SKIP[element.name] || element.type === "submit" || element.type === "button") { return; }
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.type === "radio" && !element.checked) { return; }
        values[element.name] = element.type === "checkbox" ? element.checked : element.value;
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function fill(values) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || SKIP[element.name] || !(element.name in values)) { return; }
      if (element.type === "checkbox") {
        element.checked = !!values[element.name];
      } else if (element.type === "radio") {
        element.checked = element.value === values[element.name];
      } else {
        element.value = values[element.name];
      }
      element.dispatchEvent(new Event("input", {bubbles: true}));
    });
  }

  function same(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    for (var i = 0; i < keys.length; i += 1) {
      if (keys[i] !== "version" && String(a[keys[i]]) !== String(b[keys[i]])) { return false; }
    }
    return true;
  }

  function load(key) {
    try {
      var found = window.localStorage.getItem(key);
      return found ? JSON.parse(found) : null;
    } catch (error) {
      return null;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) { /* full or refused: the form still works */ }
  }

  function drafts() {
    var found = [];
    for (var i = 0; i < window.localStorage.length; i += 1) {
      var key = window.localStorage.key(i);
      if (key.indexOf(DRAFT) === 0) { found.push(key); }
    }
    return found;
  }

  function dropDrafts() {
    drafts().forEach(function (key) { window.localStorage.removeItem(key); });
  }

  function keepDraft() {
    var values = read();
    var current = versionField() ? versionField().value : "0";
    drafts().forEach(function (key) {
      if (key !== DRAFT + current) { window.localStorage.removeItem(key); }
    });
    store(DRAFT + current, {values: values, at: new Date().toISOString()});
  }

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(document.documentElement.lang || undefined,
        {dateStyle: "medium", timeStyle: "short"});
    } catch (error) {
      return iso;
    }
  }

  function notice(id, role) {
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "card flash draft-notice";
      box.setAttribute("role", role);
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = "";
    return box;
  }

  function button(label, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  function offerRestore() {
    var keys = drafts();
    if (!keys.length) { return; }
    var key = keys[keys.length - 1];
    var draft = load(key);
    if (!draft || !draft.values || same(draft.values, read())) { return; }
    var box = notice("draft-restore", "region");
    box.setAttribute("aria-label", text("title"));
    var paragraph = document.createElement("p");
    paragraph.textContent = text("found", {when: when(draft.at)});
    box.appendChild(paragraph);
    var actions = document.createElement("p");
    actions.className = "actions";
    actions.appendChild(button(text("restore"), function () {
      fill(draft.values);
      if (versionField() && draft.values.version) { versionField().value = draft.values.version; }
      box.parentNode.removeChild(box);
      var first = form.querySelector("textarea, select, input:not([type=hidden])");
      if (first) { first.focus(); }
    }));
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(button(text("discard"), function () {
      dropDrafts();
      box.parentNode.removeChild(box);
    }));
    box.appendChild(actions);
  }

  function showQueued(queued) {
    var box = notice("draft-queued", "status");
    box.textContent = text("queued", {when: when(queued.at)});
  }

  function offline() {
    return window.sipOffline ? window.sipOffline() : !navigator.onLine;
  }

  // Whether the server answers (navigator.onLine can say true on a dead link): then the queued save is sent.
  function whenReachable(then) {
    if (!window.fetch) { then(); return; }
    window.fetch("/healthz", {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (response.ok) { then(); }
    }).catch(function () { /* still offline: the next "online" event or the next tick tries again */ });
  }

  function sendQueued() {
    var queued = load(QUEUE);
    if (!queued) { return; }
    window.localStorage.removeItem(QUEUE);
    sending = true;
    fill(queued.values);
    if (versionField() && queued.values.version) { versionField().value = queued.values.version; }
    var save = form.querySelector("button[name='action'][value='save']");
    if (form.requestSubmit && save) { form.requestSubmit(save); } else { form.submit(); }
  }

  form.addEventListener("input", function () {
    window.clearTimeout(writing);
    writing = window.setTimeout(keepDraft, 250);
  });
  form.addEventListener("change", keepDraft);

  form.addEventListener("submit", function (event) {
    keepDraft();
    if (offline() && !sending) {
      event.preventDefault();
      var queued = {values: read(), at: new Date().toISOString()};
      store(QUEUE, queued);
      showQueued(queued);
      return;
    }
    try { window.sessionStorage.setItem(SAVING, "1"); } catch (error) { /* the draft then stays until discarded */ }
  });

  function tryQueued() {
    if (load(QUEUE)) { whenReachable(sendQueued); }
  }
  window.addEventListener("online", tryQueued);
  window.setInterval(tryQueued, RETRY_MS);

  // The server said the report is saved (its confirmation, after the redirect): the kept text is no longer needed.
  var saved = false;
  try { saved = window.sessionStorage.getItem(SAVING) === "1"; } catch (error) { saved = false; }
  if (saved) {
    window.sessionStorage.removeItem(SAVING);
    if (document.querySelector(".flash-success")) { dropDrafts(); }
  }

  var queued = load(QUEUE);
  if (queued) {
    showQueued(queued);
    tryQueued();
  } else {
    offerRestore();
  }
}());
