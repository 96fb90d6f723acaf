// report.js: draws a report's charts with the shared widget renderer (widgets.js), from the data
// inlined in the page. Everything it needs is in the file: it makes no request.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  document.querySelectorAll("[data-view]").forEach(function (root) {
    var view = root.dataset.view === "probes" ? data.probes : data.dashboards[Number(root.dataset.index)];
    if (view) ChaosDash.render(root, view);
  });
  document.body.dataset.rendered = "true";
})();
