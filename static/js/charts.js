/* Draws every dashboard chart: each element with data-chart="<id>" gets the figure stored as JSON in the
   <script type="application/json" id="<id>"> block (a data block, never executed: the CSP allows no inline
   script). The data table beside each chart carries the same figures for readers without JavaScript. */
(function () {
  "use strict";

  function draw(container) {
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
    container.classList.add("chart-drawn");
    window.Plotly.newPlot(container, figure.data || [], figure.layout || {}, {
      responsive: true,
      displaylogo: false
    });
  }

  function drawAll() {
    var containers = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < containers.length; i += 1) {
      draw(containers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
