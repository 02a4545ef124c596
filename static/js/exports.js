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
