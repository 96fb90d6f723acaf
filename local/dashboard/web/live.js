// live.js: the live dashboard page. It fetches the dashboard's View from the local cloud every few
// seconds (over the range chosen) and hands it to the shared renderer (widgets.js).
(function () {
  "use strict";

  var body = document.body;
  var name = body.dataset.name;
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var grid = document.getElementById("grid");
  var status = document.getElementById("status");
  var fault = document.getElementById("fault");
  var problems = document.getElementById("problems");
  var stale = document.getElementById("stale");
  var MIN_REFRESH = 1000, MAX_REFRESH = 3600000, MAX_RETRY = 60000;
  var notes = []; // what the address asked for that the page does not do, said in the status line
  var refresh = Number(body.dataset.refresh) || 5000;
  if (params.has("refresh")) {
    var asked = Number(params.get("refresh")) * 1000;
    // At most an hour: a browser takes a timer over 2^31 - 1 ms (24.8 days) as 1 ms.
    if (isFinite(asked) && asked >= MIN_REFRESH && asked <= MAX_REFRESH) refresh = asked;
    else notes.push("refresh=" + params.get("refresh") + " is not a number of seconds from " + MIN_REFRESH / 1000 +
      " to " + MAX_REFRESH / 1000 + ": the default is used");
  }
  var ranges = [].map.call(document.querySelectorAll("[data-range]"), function (b) { return b.dataset.range; });
  var range = (location.hash.match(/range=([^&]*)/) || [])[1];
  if (range != null && ranges.indexOf(range) < 0) {
    var said = range;
    try { said = decodeURIComponent(range); } catch (e) { /* not URI-encoded (#range=%): say it as written */ }
    notes.push("range=" + said + " is not one of " + ranges.join(", ") + ": the default is shown");
    range = null;
  }
  range = range || body.dataset.defaultRange;
  var timer = null;
  var busy = false;
  var lastUpdate = null; // the view's time of the last refresh that worked
  var retry = 0;         // the wait before the next try after a failure, doubling to MAX_RETRY

  function clock(ts) {
    return new Date(ts * 1000).toISOString().slice(11, 19);
  }

  function statusText(text) {
    status.textContent = [text].concat(notes).join(" · ");
  }

  // markStale says, on the charts and the fault banner, that what they show is no longer
  // updated, and how to get the page's new address: a restarted local cloud has a new port
  // and token, and this page cannot learn them.
  function markStale(message) {
    var since = lastUpdate ? lastUpdate + " UTC" : "the page opened";
    body.dataset.stale = "true";
    stale.hidden = false;
    stale.textContent = "Not updating since " + since + " (" + message + "). If the local cloud restarted, it has a new address and token: " +
      "open the URL from its “local cloud: dashboard … live at …” line (chaoslab local up prints it); " +
      "retrying every " + Math.round(retry / 1000) + " s.";
    if (!fault.hidden) fault.dataset.staleSince = since;
    statusText("cannot update: " + message + " · next try in " + Math.round(retry / 1000) + " s");
  }

  function fresh() {
    body.dataset.stale = "false";
    stale.hidden = true;
    delete fault.dataset.staleSince;
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
        // What the fault does, in words, after the modes that name it.
        return "Fault on since " + clock(f.start) + " UTC: " + f.parameter + " (" + f.summary + ")" +
          (f.words ? " — " + f.words : "");
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

  function schedule() {
    clearTimeout(timer);
    body.dataset.retryIn = String(retry || refresh);
    timer = setTimeout(load, retry || refresh);
  }

  function load() {
    if (busy) return;
    busy = true;
    var url = "/api/dashboards/" + encodeURIComponent(name) + "?token=" + encodeURIComponent(token) + "&range=" + range;
    // A cloud that takes the connection and never answers (stopped, overloaded) must not hold
    // the page in "busy" forever: the request gives up and the page says it is stale.
    var abort = new AbortController();
    var limit = setTimeout(function () { abort.abort(); }, Math.max(refresh, 10000));
    fetch(url, { cache: "no-store", signal: abort.signal }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + " " + t.trim()); });
      return r.json();
    }).then(function (view) {
      ChaosDash.render(grid, view);
      showFaults(view);
      problems.hidden = !(view.problems && view.problems.length);
      problems.textContent = (view.problems || []).join("\n");
      lastUpdate = view.updated.slice(11, 19);
      retry = 0;
      fresh();
      statusText("updated " + lastUpdate + " UTC · refreshes every " + refresh / 1000 + " s");
      body.dataset.updates = String(Number(body.dataset.updates) + 1);
    }).catch(function (e) {
      // Back off: a cloud that is gone is not asked every few seconds forever (nor more often
      // than the refresh asked for).
      retry = Math.max(refresh, Math.min(MAX_RETRY, retry ? retry * 2 : Math.max(2 * refresh, 5000)));
      markStale(e.name === "AbortError" ? "no answer within " + Math.max(refresh, 10000) / 1000 + " s" : e.message);
    }).finally(function () {
      clearTimeout(limit);
      busy = false;
      schedule();
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
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !retry) load();
  });
})();
