/* The exports page: a slow download (the PDF draws its charts on the server) says it is being prepared, in the
   status line that screen readers announce. The message comes from the button's data-message (translated by
   the page); the download itself is an ordinary form submission, so the page works without this script. */
(function () {
  "use strict";

  var status = document.getElementById("export-status");
  var form = document.getElementById("export-form");
  if (!status || !form) {
    return;
  }
  var timer = null;

  function clear() {
    status.textContent = "";
    status.className = "";
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-format]") : null;
    if (!button) {
      return;
    }
    window.clearTimeout(timer);
    if (!button.hasAttribute("data-slow")) {
      clear();
      return;
    }
    status.textContent = button.getAttribute("data-message");
    status.className = "flash";
    // The browser gives no sign when a download ends; the message goes after a while.
    timer = window.setTimeout(clear, 30000);
  });
}());

/* While a file of the pack is being built (by the worker), the list of files asks the server every few seconds and
   says when each is ready. */
(function () {
  "use strict";

  var list = document.getElementById("file-states");
  if (!list || !window.fetch) {
    return;
  }

  function building() {
    return list.querySelector('.file-state[data-state="building"]') !== null;
  }

  function refresh() {
    window.fetch(list.getAttribute("data-status-url"), {credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) {
        if (!status) {
          return;
        }
        Object.keys(status.files).forEach(function (name) {
          var item = list.querySelector('[data-file="' + name + '"] .file-state');
          var state = status.files[name];
          if (item && item.getAttribute("data-state") !== state) {
            item.setAttribute("data-state", state);
            item.textContent = list.getAttribute("data-" + state) || state;
          }
        });
        if (building()) {
          window.setTimeout(refresh, 3000);
        }
      });
  }

  if (building()) {
    window.setTimeout(refresh, 3000);
  }
}());
