// Report form: a text carried from the last accepted update is marked by the server ("Carried from 2026-Q2 —
// edit or confirm"); the mark goes as soon as the text is edited. Without this script the mark simply stays
// until the next save, when the server works it out again.
(function () {
  "use strict";
  function unmark(event) {
    var field = event.target;
    var mark = document.getElementById(field.getAttribute("data-carried"));
    if (mark) { mark.remove(); }
    var wrapper = field.closest(".carried-field");
    if (wrapper) { wrapper.classList.remove("carried-field"); }
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== field.getAttribute("data-carried");
    });
    if (described.length) { field.setAttribute("aria-describedby", described.join(" ")); }
    else { field.removeAttribute("aria-describedby"); }
    field.removeAttribute("data-carried");
    field.removeEventListener("input", unmark);
  }
  document.querySelectorAll("[data-carried]").forEach(function (field) {
    field.addEventListener("input", unmark);
  });
}());
