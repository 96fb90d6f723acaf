// live.js: the live dashboard page. It fetches the dashboard's View from the local cloud every few
// seconds (over the range chosen) and hands it to the shared renderer (widgets.js).
(function () {
  "use strict";

  var body = document.body;
  var name = body.dataset.name;
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var refresh = Number(params.get("refresh")) * 1000 || Number(body.dataset.refresh) || 5000;
  var range = (location.hash.match(/range=([a-z0-9]+)/) || [])[1] || body.dataset.defaultRange;
  var grid = document.getElementById("grid");
  var status = document.getElementById("status");
  var fault = document.getElementById("fault");
  var problems = document.getElementById("problems");
  var timer = null;
  var busy = false;

  function clock(ts) {
    return new Date(ts * 1000).toISOString().slice(11, 19);
  }

  function pressed() {
    document.querySelectorAll("[data-range]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.range === range));
    });
  }

  function showFaults(view) {
    var spans = view.faults || [];
    var on = spans.filter(function (f) { return f.ongoing; });
    if (on.length) {
      fault.hidden = false;
      fault.className = "live-fault";
      fault.textContent = on.map(function (f) {
        return "Fault on since " + clock(f.start) + " UTC: " + f.parameter + " (" + f.summary + ")";
      }).join(" · ");
    } else if (spans.length) {
      fault.hidden = false;
      fault.className = "live-fault live-fault-past";
      fault.textContent = "No fault on now. In this range: " + spans.map(function (f) {
        return f.summary + " " + clock(f.start) + "–" + clock(f.end) + " UTC";
      }).join(", ");
    } else {
      fault.hidden = true;
    }
    body.dataset.faultOn = String(on.length > 0);
  }

  function load() {
    if (busy) return;
    busy = true;
    var url = "/api/dashboards/" + encodeURIComponent(name) + "?token=" + encodeURIComponent(token) + "&range=" + range;
    fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + " " + t.trim()); });
      return r.json();
    }).then(function (view) {
      ChaosDash.render(grid, view);
      showFaults(view);
      problems.hidden = !(view.problems && view.problems.length);
      problems.textContent = (view.problems || []).join("\n");
      status.textContent = "updated " + view.updated.slice(11, 19) + " UTC · refreshes every " + refresh / 1000 + " s";
      body.dataset.updates = String(Number(body.dataset.updates) + 1);
    }).catch(function (e) {
      status.textContent = "cannot update: " + e.message + " (retrying)";
    }).finally(function () {
      busy = false;
    });
  }

  document.querySelectorAll("[data-range]").forEach(function (b) {
    b.addEventListener("click", function () {
      range = b.dataset.range;
      history.replaceState(null, "", "#range=" + range);
      pressed();
      load();
    });
  });
  pressed();
  load();
  timer = setInterval(load, refresh);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) load();
  });
})();
