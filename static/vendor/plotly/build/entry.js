// SIP Tracker's partial plotly.js: only the trace types sip/dashboards/charts.py draws (scatter is in core),
// and the French locale. Built with esbuild: see ../README.md.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/sunburst'),
    require('plotly.js/lib/locales/fr'),
]);
module.exports = Plotly;
