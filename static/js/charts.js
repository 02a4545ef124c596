/* Draws the dashboard charts, on demand: each element with data-chart="<id>" gets the figure stored as JSON in the
   <script type="application/json" id="<id>"> block (a data block, never executed: the CSP allows no inline
   script), with the options of sip/dashboards/charts.py::plotly_config (no toolbar, the page's locale).

   plotly.js is 440 KB on the wire, the rest of a dashboard 20 KB: on a field office's 256 kbit/s link that is the
   difference between 1 s and 15 s. So the tables beside the charts (the same figures) come first, and plotly.js
   is loaded only when the reader asks for the charts; the choice is remembered on this device (the file is then
   in the browser's cache for a year, so later visits draw at once). Until drawn, a chart box is hidden and has no
   role, so nothing announces an empty image. */
(function () {
  "use strict";

  var PREFERENCE = "sip-charts";  // not personal: kept after sign-out (static/js/field.js clears sip-draft*)
  var script = document.currentScript;
  var loading = null;

  function containers() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
  }

  function config() {
    var source = document.getElementById("plotly-config");
    try {
      return source ? JSON.parse(source.textContent) : {displayModeBar: false};
    } catch (error) {
      return {displayModeBar: false};
    }
  }

  function draw(container, options) {
    var source = document.getElementById(container.getAttribute("data-chart"));
    if (!source || typeof window.Plotly === "undefined") {
      return;
    }
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      container.setAttribute("data-chart-error", "json");
      return;
    }
    container.hidden = false;
    // An image named after its table: the chart has no focusable part (no toolbar), so nothing interactive nests
    // inside the image, and the table below it is what a screen reader reads.
    container.setAttribute("role", "img");
    container.setAttribute("aria-label", container.getAttribute("data-label") || "");
    container.classList.add("chart-drawn");
    window.Plotly.newPlot(container, figure.data || [], figure.layout || {}, options);
  }

  function drawAll() {
    var options = config();
    containers().forEach(function (container) { draw(container, options); });
    removeOffers();
  }

  function removeOffers() {
    Array.prototype.forEach.call(document.querySelectorAll(".chart-offer"), function (offer) {
      offer.parentNode.removeChild(offer);
    });
  }

  function say(text) {
    Array.prototype.forEach.call(document.querySelectorAll(".chart-offer"), function (offer) {
      offer.textContent = text;
    });
  }

  function remember(on) {
    try {
      if (on) { window.localStorage.setItem(PREFERENCE, "on"); } else { window.localStorage.removeItem(PREFERENCE); }
    } catch (error) { /* private mode: the choice is simply not kept */ }
  }

  function wanted() {
    try {
      return window.localStorage.getItem(PREFERENCE) === "on";
    } catch (error) {
      return false;
    }
  }

  function load() {
    if (typeof window.Plotly !== "undefined") {
      drawAll();
      return;
    }
    if (loading) {
      return;
    }
    say(script.getAttribute("data-loading"));
    loading = document.createElement("script");
    loading.src = script.getAttribute("data-plotly");
    loading.onload = drawAll;
    loading.onerror = function () {
      loading = null;
      remember(false);
      say(script.getAttribute("data-failed"));
    };
    document.head.appendChild(loading);
  }

  function offer() {
    containers().forEach(function (container) {
      var paragraph = document.createElement("p");
      paragraph.className = "chart-offer";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = script.getAttribute("data-offer");
      button.addEventListener("click", function () {
        remember(true);
        load();
      });
      paragraph.appendChild(button);
      container.parentNode.insertBefore(paragraph, container);
    });
  }

  function start() {
    if (!containers().length) {
      return;
    }
    if (wanted()) {
      load();
    } else {
      offer();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
