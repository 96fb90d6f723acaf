// widgets.js: the one renderer of CloudWatch dashboard widgets, shared by the live dashboard page
// (local/dashboard) and the run reports (drivers/internal/report). It draws a View (view.go) into
// a 24-column grid: metric graphs (lines or stacked, with uPlot), single values, text, a table of
// latest values for the other metric views, and a placeholder naming any other widget type. Fault
// windows are shaded on every graph; bands (a probe's tolerance) and marks (a probe's measured
// value) are drawn when the view has them.
//
// API: ChaosDash.render(root, view) draws or updates; ChaosDash.charts[widgetId] is the uPlot
// instance of a graph (its .data is what is drawn). Each widget element carries data-widget-id,
// data-type, data-view and data-points (the number of datapoints it shows).
(function () {
  "use strict";

  var FAULT_FILL = "rgba(214, 39, 40, 0.14)";
  var FAULT_EDGE = "rgba(214, 39, 40, 0.55)";
  var BAND_FILL = "rgba(44, 160, 44, 0.12)";
  var BAND_EDGE = "rgba(44, 160, 44, 0.7)";

  var charts = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function fmt(v) {
    if (v == null || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
    // A whole number reads whole ("25", as the probe table has it; "25.0" read as a rounded
    // 25.04); a fraction keeps three significant digits.
    if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    return String(Number(v.toPrecision(3))); // 0.0049 stays 0.0049, not 0
  }

  function utc(ts) {
    return new Date(ts * 1000).toISOString().slice(11, 19) + " UTC";
  }

  function periodText(s) {
    if (!s) return "";
    if (s % 3600 === 0) return s / 3600 + " h";
    if (s % 60 === 0) return s / 60 + " min";
    return s + " s";
  }

  // layoutKey changes when the grid must be rebuilt.
  function layoutKey(view) {
    return view.widgets.map(function (w) {
      return [w.id, w.type, w.view, w.x, w.y, w.width, w.height, w.placed].join(":");
    }).join("|");
  }

  function render(root, view) {
    var state = root.__chaosdash;
    var key = layoutKey(view);
    if (!state || state.key !== key) {
      if (state) destroy(state);
      state = build(root, view, key);
      root.__chaosdash = state;
    }
    state.view = view;
    view.widgets.forEach(function (w) {
      update(state.widgets[w.id], w, view);
    });
  }

  function destroy(state) {
    Object.keys(state.widgets).forEach(function (id) {
      var s = state.widgets[id];
      if (s.chart) s.chart.destroy();
      if (s.observer) s.observer.disconnect();
      delete charts[id];
    });
  }

  function build(root, view, key) {
    root.textContent = "";
    root.classList.add("cd-grid");
    var state = { key: key, widgets: {} };
    view.widgets.forEach(function (w, i) {
      var box = el("section", "cd-widget cd-type-" + w.type);
      box.dataset.widgetId = w.id;
      box.dataset.type = w.type;
      if (w.view) box.dataset.view = w.view;
      box.dataset.points = "0";
      // The body's place of the widget, as custom properties widgets.css reads: at a phone's
      // width it puts each widget on a row of its own, shown in the body's reading order (top to
      // bottom, left to right; the widgets the body does not place after those it does), keeping
      // its height (three 8-column widgets a row were 120 px wide each there, their numbers and
      // titles cut). Only the order on screen: a screen reader reads them in the body's order.
      box.style.setProperty("--cd-col", (w.placed ? (w.x + 1) + " / " : "") + "span " + w.width);
      box.style.setProperty("--cd-rows", (w.placed ? (w.y + 1) + " / " : "") + "span " + w.height);
      box.style.setProperty("--cd-span", "span " + w.height);
      box.style.setProperty("--cd-order", String(w.placed ? w.y * 24 + w.x : 100000 + i));
      var head = el("header", "cd-head");
      var title = el("h3", "cd-title");
      head.appendChild(title);
      var meta = el("span", "cd-meta");
      head.appendChild(meta);
      box.appendChild(head);
      var body = el("div", "cd-body");
      box.appendChild(body);
      root.appendChild(box);
      state.widgets[w.id] = { box: box, head: head, title: title, meta: meta, body: body, kind: kindOf(w) };
    });
    return state;
  }

  function kindOf(w) {
    if (w.type === "metric") {
      if (w.view === "timeSeries") return "graph";
      if (w.view === "singleValue") return "single";
      return "latest";
    }
    if (w.type === "text") return "text";
    return "placeholder";
  }

  function update(s, w, view) {
    // The title is not part of the layout: a redeploy that renames a widget renames it in place.
    s.title.textContent = w.title || (w.type === "text" ? "" : "(untitled " + w.type + ")");
    s.title.title = s.title.textContent; // the whole title on hover, where a narrow widget cuts it
    s.box.classList.toggle("cd-has-error", !!w.error);
    var meta = [];
    if (w.period) meta.push("period " + periodText(w.period));
    if (w.stacked) meta.push("stacked");
    if (w.note) meta.push(w.note);
    s.meta.textContent = meta.join(" · ");
    var err = s.box.querySelector(".cd-error");
    if (w.error) {
      if (!err) {
        err = el("p", "cd-error");
        s.box.insertBefore(err, s.body);
      }
      err.textContent = w.error;
    } else if (err) {
      err.remove();
    }
    switch (s.kind) {
      case "graph": return graph(s, w, view);
      case "single": return single(s, w, view);
      case "latest": return latest(s, w);
      case "text":
        if (s.html !== w.html) {
          s.body.innerHTML = w.html || "";
          s.html = w.html;
        }
        s.body.classList.add("cd-text");
        return;
      default:
        if (!s.body.firstChild) {
          var p = el("div", "cd-placeholder");
          p.appendChild(el("strong", null, "Widget type \u201c" + w.type + "\u201d"));
          p.appendChild(el("span", null, "This page draws metric graphs, single values and text; a " + w.type + " widget is shown in the CloudWatch console only."));
          s.body.appendChild(p);
        }
    }
  }

  function lastPoint(line) {
    var n = line.v.length;
    return n ? { t: line.t[n - 1], v: line.v[n - 1] } : null;
  }

  function countPoints(w) {
    var n = 0;
    (w.lines || []).forEach(function (l) { n += l.v.length; });
    return n;
  }

  // spanText is what a single value covers: its period from the datapoint's timestamp, cut at
  // the view's end (a report's window, the live page's now), not only when the period began.
  function spanText(p, w, view) {
    if (!w.period) return "last datapoint " + utc(p.t);
    var to = Math.min(p.t + w.period, view.end);
    return "over " + utc(p.t).slice(0, 8) + "\u2013" + utc(to) + (to < p.t + w.period ? " (" + periodText(w.period) + " period, cut at the range's end)" : "");
  }

  // duringFault is what a single value's line read while the view's last fault was on: the lowest,
  // the highest and the last of its datapoints whose period overlaps the fault (a fault lowers some
  // values and raises others), or null when none does, or when the line's one datapoint spans the
  // whole range (it is the number shown, fault and all). The number itself is the last datapoint of
  // the range: in a report that crosses a period's boundary, the one after the rollback ("0 %"
  // errors beside a verdict on the fault read as the fault doing nothing). The widget's period
  // stands for every line's.
  function duringFault(l, w, view) {
    var fs = view.faults || [];
    if (!fs.length || (l.t.length === 1 && l.t[0] <= view.start && l.t[0] + (w.period || 0) >= view.end)) return null;
    var f = fs[fs.length - 1];
    var start = Math.max(f.start, view.start), end = Math.min(f.end, view.end);
    var x = extent(l, function (i) { return l.t[i] + (w.period || 0) > start && l.t[i] < end; });
    return x && { start: start, end: end, ongoing: !!f.ongoing, lo: x.lo, hi: x.hi, last: x.last };
  }

  // extent is the least, the greatest and the last of the line's values at the points take(i)
  // keeps (every point when take is not given), or null when none has a value.
  function extent(l, take) {
    var lo = null, hi = null, last = null;
    for (var i = 0; i < l.v.length; i++) {
      var v = l.v[i];
      if (v == null || !isFinite(v) || take && !take(i)) continue;
      if (lo === null || v < lo) lo = v;
      if (hi === null || v > hi) hi = v;
      last = v;
    }
    return last === null ? null : { lo: lo, hi: hi, last: last };
  }

  function faultText(d) {
    var when = d.ongoing ? "during the fault (still on) since " + utc(d.start) : "during the fault, " + utc(d.start).slice(0, 8) + "\u2013" + utc(d.end);
    var range = d.lo === d.hi ? fmt(d.lo) : fmt(d.lo) + " to " + fmt(d.hi);
    return when + ": " + range + ", last " + fmt(d.last);
  }

  function single(s, w, view) {
    s.body.textContent = "";
    s.body.classList.add("cd-singles");
    var lines = w.lines || [];
    if (!lines.length) s.body.appendChild(el("div", "cd-nodata", "No data"));
    lines.forEach(function (l) {
      var p = lastPoint(l);
      var cell = el("div", "cd-single");
      var num = el("div", "cd-single-value", p ? fmt(p.v) : "–");
      num.dataset.value = p ? String(p.v) : "";
      num.style.color = l.color;
      cell.appendChild(num);
      cell.appendChild(el("div", "cd-single-label", l.label));
      if (p) cell.appendChild(el("div", "cd-single-time", spanText(p, w, view)));
      var d = duringFault(l, w, view);
      if (d) {
        var df = el("div", "cd-single-fault", faultText(d));
        df.dataset.min = String(d.lo);
        df.dataset.max = String(d.hi);
        df.dataset.last = String(d.last);
        cell.appendChild(df);
      }
      s.body.appendChild(cell);
    });
    s.box.dataset.points = String(countPoints(w));
  }

  function latest(s, w) {
    s.body.textContent = "";
    var note = el("p", "cd-note", "The \u201c" + w.view + "\u201d view is shown as a table of latest values.");
    s.body.appendChild(note);
    var table = el("table", "cd-latest");
    (w.lines || []).forEach(function (l) {
      var p = lastPoint(l);
      var tr = el("tr");
      var name = el("td", null, l.label);
      name.style.borderLeft = "4px solid " + l.color;
      tr.appendChild(name);
      var v = el("td", "cd-num", p ? fmt(p.v) : "–");
      v.dataset.value = p ? String(p.v) : "";
      tr.appendChild(v);
      table.appendChild(tr);
    });
    s.body.appendChild(table);
    s.box.dataset.points = String(countPoints(w));
  }

  // align puts every line on the union of their timestamps (null where a line has no point), and
  // for a stacked graph adds each line onto the ones before it on the same axis.
  function align(w) {
    var lines = w.lines || [];
    var set = {};
    lines.forEach(function (l) { l.t.forEach(function (t) { set[t] = true; }); });
    var xs = Object.keys(set).map(Number).sort(function (a, b) { return a - b; });
    // A period no line has a point in is a gap in every line (nothing was measured: a stalled
    // pipeline sends nothing), not a slope drawn across it.
    if (w.period > 0) {
      var gapped = [];
      xs.forEach(function (t, i) {
        gapped.push(t);
        if (i + 1 < xs.length && xs[i + 1] - t > 1.5 * w.period) gapped.push(t + w.period);
      });
      xs = gapped;
    }
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    var raw = lines.map(function (l) {
      var ys = new Array(xs.length).fill(null);
      l.t.forEach(function (t, i) { ys[index[t]] = l.v[i]; });
      return ys;
    });
    var drawn = raw;
    if (w.stacked) {
      var sums = {};
      drawn = raw.map(function (ys, k) {
        var axis = lines[k].axis;
        var sum = sums[axis] || (sums[axis] = new Array(xs.length).fill(0));
        return ys.map(function (y, i) { sum[i] += (y == null ? 0 : y); return sum[i]; });
      });
    }
    return { xs: xs, raw: raw, drawn: drawn };
  }

  // stackBands fills each stacked line down to the line before it on the same axis.
  function stackBands(w) {
    var bands = [], last = {};
    (w.lines || []).forEach(function (l, i) {
      if (last[l.axis] != null) bands.push({ series: [i + 1, last[l.axis] + 1], fill: l.color + "55" });
      last[l.axis] = i;
    });
    return bands;
  }

  // AXIS_FONT is uPlot's default axis font, named so the labels' width can be measured.
  var AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
  var LABEL_GAP = 16; // CSS px between two time labels, at the least
  // TIME_INCRS are the time axis' tick steps, in seconds: up to a day, then days, weeks, and
  // calendar months and years (uPlot steps by the calendar from 30 days; a cloud that ran for
  // weeks shows its whole run with a tick a week).
  var DAY = 86400, MONTH = 30 * DAY, YEAR = 365 * DAY;
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    DAY, 2 * DAY, 7 * DAY, 14 * DAY, MONTH, 3 * MONTH, 6 * MONTH, YEAR];
  var labelWidths = null;

  // timeLabel prints a tick of the time axis in UTC for ticks incr seconds apart: HH:MM:SS under a
  // minute, HH:MM under a day, the date MM-DD under a month (a row of "00:00" would say nothing),
  // then YYYY-MM, and YYYY a year apart.
  function timeLabel(ts, incr) {
    var s = new Date(ts * 1000).toISOString();
    if (incr < 60) return s.slice(11, 19);
    // An hour or more apart, midnight is the day's date: a range over days says which.
    if (incr < DAY) return incr >= 3600 && s.slice(11, 16) === "00:00" ? s.slice(5, 10) : s.slice(11, 16);
    if (incr < MONTH) return s.slice(5, 10);
    return incr < YEAR ? s.slice(0, 7) : s.slice(0, 4);
  }

  // timeLabelSpace is the least distance between two time ticks, in CSS px: the step whose
  // labels (as timeLabel prints them) fit between its ticks with a gap, the shortest such. Labels
  // never touch while a step a year long leaves room for its labels.
  function timeLabelSpace(u, axisIdx, min, max, dim) {
    if (!labelWidths) {
      var c = document.createElement("canvas").getContext("2d");
      c.font = AXIS_FONT;
      labelWidths = {};
      TIME_INCRS.forEach(function (incr) { labelWidths[incr] = c.measureText(timeLabel(0, incr).replace(/\d/g, "0")).width; });
    }
    var range = max - min, px = 0;
    for (var i = 0; range > 0 && i < TIME_INCRS.length; i++) {
      var incr = TIME_INCRS[i];
      px = dim * incr / range;
      if (px >= labelWidths[incr] + LABEL_GAP) return px;
    }
    // No step leaves room (years in a narrow widget): the longest step, whose ticks then are the
    // fewest; a space no step reaches would leave the axis with none.
    return px || 50;
  }

  // timeTicks labels the time axis (timeLabel).
  function timeTicks(u, splits, axisIdx, space, incr) {
    return splits.map(function (ts) { return timeLabel(ts, incr); });
  }

  function seriesKey(w) {
    return (w.lines || []).map(function (l) { return [l.id, l.label, l.color, l.axis].join(":"); }).join("|") + (w.stacked ? "|stacked" : "");
  }

  function graph(s, w, view) {
    var a = align(w);
    s.raw = a.raw;
    s.widget = w;
    s.view = view;
    var data = [a.xs].concat(a.drawn);
    s.judged = judgedView(w); // before the chart computes its scales (yRange)
    var key = seriesKey(w);
    if (!s.chart || s.key !== key) {
      if (s.chart) s.chart.destroy();
      s.body.textContent = "";
      s.key = key;
      s.chart = new uPlot(options(s, w), data, s.body);
      charts[w.id] = s.chart;
      keys(s);
      if (!s.observer && window.ResizeObserver) {
        s.observer = new ResizeObserver(function () { resize(s); });
        s.observer.observe(s.body);
      }
      resize(s);
    } else {
      s.chart.setData(data);
    }
    var n = countPoints(w);
    s.box.dataset.points = String(n);
    noDataNote(s, w, n);
    clipNote(s, w, a.drawn);
    describe(s, w, n);
  }

  // describe names the chart for assistive technology: the canvas is an image of the widget's
  // metrics, so its label says what the chart shows of each, its latest value and its least and
  // greatest in the range (a value was otherwise read only by hovering the chart with a mouse).
  function describe(s, w, n) {
    var canvas = s.chart.root.querySelector("canvas");
    if (!canvas) return;
    var lines = w.lines || [];
    var names = lines.slice(0, 8).map(function (l) {
      var x = extent(l);
      if (!n || !x) return l.label;
      return l.label + " " + fmt(x.last) + " latest" + (x.lo === x.hi ? "" : ", " + fmt(x.lo) + " to " + fmt(x.hi) + " in the range");
    });
    canvas.setAttribute("role", "img");
    // A SEARCH expression's dozens of lines: the first eight are read, the rest counted.
    if (lines.length > 8) names.push("and " + (lines.length - 8) + " more lines");
    canvas.setAttribute("aria-label", (w.title || "graph") + ": " + (names.length ? names.join("; ") : "no metric") +
      (n ? "" : " (no data in this range)"));
  }

  // keys lets a chart be read from the keyboard as it is with a mouse: Tab reaches its plot, the
  // arrow keys move the cursor from one time to the next inside the range (Page Up and Page Down
  // ten at a time, Home and End to the first and the last; Escape takes it away), the legend shows
  // each line's value there, and a live region reads the time and the values out.
  function keys(s) {
    var u = s.chart, canvas = u.root.querySelector("canvas");
    if (!canvas) return;
    canvas.tabIndex = 0;
    var live = el("p", "cd-sr");
    live.setAttribute("aria-live", "polite");
    u.root.appendChild(live);
    var byKey = false; // the cursor is where the keys put it
    // New data (the live page's every few seconds) moves the points under a parked cursor: its
    // read-out follows, as the legend does.
    u.hooks.setData = (u.hooks.setData || []).concat(function () {
      if (byKey && u.cursor.idx != null) live.textContent = readOut(s, u.cursor.idx);
    });
    function away() {
      u.setCursor({ left: -10, top: -10 });
      live.textContent = "";
      byKey = false;
    }
    canvas.addEventListener("keydown", function (e) {
      var xs = u.data[0], first = -1, last = -1;
      for (var k = 0; k < xs.length; k++) {
        if (xs[k] < s.view.start || xs[k] > s.view.end) continue;
        if (first < 0) first = k;
        last = k;
      }
      var at = u.cursor.idx, to;
      switch (e.key) {
        case "ArrowRight": to = at == null ? first : at + 1; break;
        case "ArrowLeft": to = at == null ? last : at - 1; break;
        case "PageDown": to = at == null ? first : at + 10; break;
        case "PageUp": to = at == null ? last : at - 10; break;
        case "Home": to = first; break;
        case "End": to = last; break;
        case "Escape":
          away();
          return;
        default:
          return;
      }
      e.preventDefault();
      if (first < 0) {
        live.textContent = "No data in this range";
        return;
      }
      to = Math.max(first, Math.min(last, to));
      u.setCursor({ left: u.valToPos(xs[to], "x"), top: u.over.clientHeight / 2 });
      live.textContent = readOut(s, to);
      byKey = true;
    });
    // Tab on to the next chart takes this one's cursor away, as the mouse leaving it does.
    canvas.addEventListener("blur", function () { if (byKey) away(); });
  }

  // readOut says a chart's time i and each line's value there, as the legend shows them (its
  // labels, "(right axis)" included).
  function readOut(s, i) {
    var u = s.chart;
    return utc(u.data[0][i]) + ": " + u.series.slice(1).map(function (sr, k) {
      var v = s.raw && s.raw[k] ? s.raw[k][i] : null;
      return sr.label + " " + (v == null || !isFinite(v) ? "no value" : fmt(v));
    }).join("; ");
  }

  // noDataNote says, above the chart (never over its marks and axes), which of the graph's
  // metrics have no datapoint in the range: a line without points names nothing in the legend.
  function noDataNote(s, w, n) {
    var missing = w.noData || (w.lines || []).filter(function (l) { return !l.v.length; }).map(function (l) { return l.label; });
    var text = "";
    if (!n) text = "No data in this range" + (missing.length ? ": " + missing.join(", ") : "");
    else if (missing.length) text = "No data in this range for " + missing.join(", ");
    // A report's probe chart: its marks are what the probe read, a number even over no datapoint
    // (its no-data value, 0 for a Sum), which "no data" alone seemed to contradict.
    var valued = (w.marks || []).some(function (m) { return !m.noData; });
    if (!n && valued) text += " (the marks are the probe's readings: with no datapoint, its no-data value)";
    chartNote(s, "cd-missing", text);
  }

  // chartNote sets the note of one kind (a class) above a chart, never over its marks and axes,
  // or removes it when text is empty: noDataNote's and clipNote's, each found by its own class
  // (both are styled .cd-nodata, and a lookup by that found the other's, or the body's "No data").
  function chartNote(s, kind, text) {
    var note = s.box.querySelector("p." + kind);
    if (!text) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = el("p", "cd-nodata " + kind);
      s.box.insertBefore(note, s.body);
    }
    note.textContent = text;
  }

  function resize(s) {
    if (!s.chart) return;
    var legend = s.chart.root.querySelector(".u-legend");
    var lh = legend ? legend.offsetHeight : 0;
    var width = Math.max(120, s.body.clientWidth);
    var height = Math.max(80, s.body.clientHeight - lh - 4);
    if (s.chart.width !== width || s.chart.height !== height) s.chart.setSize({ width: width, height: height });
  }

  function yRange(s, scale) {
    return function (u, dmin, dmax) {
      var w = s.widget, lo = dmin, hi = dmax;
      function take(v) {
        if (v == null || !isFinite(v)) return;
        lo = lo == null ? v : Math.min(lo, v);
        hi = hi == null ? v : Math.max(hi, v);
      }
      if (scale === "y") {
        (w.bands || []).forEach(function (b) { take(b.min); take(b.max); });
        (w.marks || []).forEach(function (m) { if (!m.noData) take(m.value); });
        (w.horizontal || []).forEach(function (h) { take(h.value); });
        // A report's probe chart is read for its marks against its band: a per-second line far
        // outside them (in flight at -1,235 % after a rollback) squeezed the band and the failing
        // mark into a few pixels. The axis keeps the band and the marks, and the line at most their
        // own height beyond them; clipNote says where the line goes past.
        if (s.judged) {
          lo = Math.max(lo, s.judged[0]);
          hi = Math.min(hi, s.judged[1]);
        }
      }
      var axis = scale === "y" ? (w.yAxis && w.yAxis.left) : (w.yAxis && w.yAxis.right);
      if (lo == null) { lo = 0; hi = 1; }
      if (lo === hi) { lo -= 1; hi += 1; }
      var pad = (hi - lo) * 0.08;
      // A stacked graph's areas stand on 0, as CloudWatch draws them (their bottom is the total's
      // base, not the smallest value); other graphs snap to 0 only when the padding would cross it.
      lo = lo >= 0 && (w.stacked || lo - pad < 0) ? 0 : lo - pad;
      hi = hi + pad;
      if (axis && axis.min != null) lo = axis.min;
      if (axis && axis.max != null) hi = axis.max;
      return [lo, hi];
    };
  }

  // judgedView is the most a probe chart's value axis shows: its band and judged marks (the
  // readings the verdict is made of) and as much again beyond each side; null for a graph without
  // judged marks (a dashboard's).
  function judgedView(w) {
    var marks = (w.marks || []).filter(function (m) { return !m.noData && !m.notJudged && m.value != null && isFinite(m.value); });
    if (!marks.length) return null;
    var lo = Infinity, hi = -Infinity;
    function take(v) { if (v != null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    marks.forEach(function (m) { take(m.value); });
    (w.bands || []).forEach(function (b) { take(b.min); take(b.max); });
    var reach = Math.max(hi - lo, 1);
    return [lo - reach, hi + reach];
  }

  // clipNote says, above the chart, that its line leaves the axis (yRange keeps a probe chart's
  // band and marks in view, s.judged) and how far.
  function clipNote(s, w, drawn) {
    var view = s.judged, min = Infinity, max = -Infinity;
    (w.lines || []).forEach(function (l, k) {
      if (l.axis === "right") return;
      drawn[k].forEach(function (v) { if (v != null && isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); } });
    });
    var beyond = view ? (w.marks || []).filter(function (m) {
      return !m.noData && m.value != null && isFinite(m.value) && (m.value < view[0] || m.value > view[1]);
    }) : [];
    var lineBeyond = view && (min < view[0] || max > view[1]);
    var clipped = lineBeyond || beyond.length > 0;
    s.box.dataset.clipped = clipped ? "true" : "false";
    var parts = [];
    if (lineBeyond) parts.push("the line (from " + fmt(min) + " to " + fmt(max) + ")");
    beyond.forEach(function (m) { parts.push((m.label ? m.label + " " : "") + fmt(m.value)); });
    chartNote(s, "cd-clipped", clipped ? "Beyond the axis, which is kept to the tolerance and the judged readings: " + parts.join(", ") : "");
  }

  // VALUE_AXIS_MIN is the least width of a value axis, in CSS px; valueAxisSize widens it to its
  // widest label, with the tick and the gap beside it: a fixed width cut "1,000,000" to "1,000,"
  // on a right axis and the minus off a left axis' "-1,500,000".
  var VALUE_AXIS_MIN = 52;
  var measure = null;

  function valueAxisSize(u, values, axisIdx) {
    var axis = u.axes[axisIdx];
    if (!values || !values.length) return VALUE_AXIS_MIN;
    if (!measure) measure = document.createElement("canvas").getContext("2d");
    measure.font = axis.font[0]; // in device pixels
    var widest = 0;
    values.forEach(function (v) {
      if (v != null) widest = Math.max(widest, measure.measureText(String(v)).width / devicePixelRatio);
    });
    var inset = (axis.ticks && axis.ticks.show !== false ? axis.ticks.size : 0) + axis.gap;
    return Math.max(VALUE_AXIS_MIN, Math.ceil(widest + inset + 2));
  }

  function options(s, w) {
    var right = (w.lines || []).some(function (l) { return l.axis === "right"; });
    // With lines on both axes, the legend says which ones the right axis measures.
    var left = (w.lines || []).some(function (l) { return l.axis !== "right"; });
    // Away from the cursor, the legend reads each line's latest value in the range (on the live
    // page, the value now), and the time column says so: a legend of dashes said nothing until
    // hovered, and nothing at all on a printed report.
    var series = [{ label: "time (UTC)", value: function (u, v, si, idx) { return idx == null ? "latest" : v == null ? "–" : utc(v); } }];
    (w.lines || []).forEach(function (l, i) {
      var sr = {
        label: l.label + (left && l.axis === "right" ? " (right axis)" : ""),
        stroke: l.color,
        width: 1.5,
        scale: l.axis === "right" ? "y2" : "y",
        spanGaps: false,
        points: { show: true, size: 3 },
        value: function (u, v, si, idx) {
          var raw = s.raw && s.raw[si - 1];
          if (idx == null) return fmt(lastInRange(u.data[0], raw, s.view));
          return fmt(raw ? raw[idx] : v);
        }
      };
      if (w.stacked) sr.fill = l.color + (l.axis === "right" ? "22" : "55");
      series.push(sr);
    });
    var bands = w.stacked ? stackBands(w) : [];
    var axes = [
      { stroke: "#555", grid: { stroke: "#eee" }, ticks: { stroke: "#ddd" }, values: timeTicks, font: AXIS_FONT,
        incrs: TIME_INCRS, space: timeLabelSpace },
      { scale: "y", stroke: "#555", grid: { stroke: "#eee" }, ticks: { stroke: "#ddd" }, size: valueAxisSize,
        label: (w.yAxis && w.yAxis.left && w.yAxis.left.label) || undefined }
    ];
    if (right) {
      axes.push({ scale: "y2", side: 1, stroke: "#555", grid: { show: false }, size: valueAxisSize,
        label: (w.yAxis && w.yAxis.right && w.yAxis.right.label) || undefined });
    }
    var scales = {
      x: { time: true, range: function () { return [s.view.start, s.view.end]; } },
      y: { range: yRange(s, "y") }
    };
    if (right) scales.y2 = { range: yRange(s, "y2") };
    return {
      width: Math.max(120, s.body.clientWidth),
      height: Math.max(80, s.body.clientHeight - 30),
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: scales,
      axes: axes,
      series: series,
      bands: bands,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        drawClear: [function (u) { drawUnder(u, s); }],
        draw: [function (u) { drawOver(u, s); }]
      }
    };
  }

  // lastInRange is a line's last value at a time inside the view's range (null when it has none
  // there).
  function lastInRange(xs, raw, view) {
    if (!raw || !xs) return null;
    for (var i = Math.min(xs.length, raw.length) - 1; i >= 0; i--) {
      if (xs[i] > view.end) continue;
      if (xs[i] < view.start) break;
      if (raw[i] != null && isFinite(raw[i])) return raw[i];
    }
    return null;
  }

  function xpos(u, t) {
    return u.valToPos(t, "x", true);
  }

  // drawUnder shades the fault windows and the bands, under the lines.
  function drawUnder(u, s) {
    var ctx = u.ctx, b = u.bbox, view = s.view, w = s.widget;
    var xmin = u.scales.x.min, xmax = u.scales.x.max;
    ctx.save();
    var drawn = [], edges = [];
    (view.faults || []).forEach(function (f) {
      var a = Math.max(f.start, xmin), z = Math.min(f.end, xmax);
      if (!(z > a)) return;
      var x0 = xpos(u, a), x1 = xpos(u, z);
      ctx.fillStyle = FAULT_FILL;
      ctx.fillRect(x0, b.top, Math.max(1, x1 - x0), b.height);
      // The edge marks when the fault went on: a fault on since before the range has no edge at
      // the range's start (it read as the fault going on there).
      if (f.start >= xmin) {
        ctx.fillStyle = FAULT_EDGE;
        ctx.fillRect(x0, b.top, Math.max(1, devicePixelRatio), b.height);
        edges.push(a);
      }
      drawn.push([a, z]);
    });
    // What is shaded and where the going-on edges are, in seconds, for the browser tests (the
    // pixels are also the grid's, where a tick falls on them).
    u.root.dataset.faults = JSON.stringify(drawn);
    u.root.dataset.faultEdges = JSON.stringify(edges);
    (w.bands || []).forEach(function (band) {
      var y0 = u.valToPos(band.max, "y", true), y1 = u.valToPos(band.min, "y", true);
      var top = Math.max(b.top, Math.min(y0, y1)), bottom = Math.min(b.top + b.height, Math.max(y0, y1));
      ctx.fillStyle = BAND_FILL;
      ctx.fillRect(b.left, top, b.width, Math.max(bottom - top, 0));
      ctx.strokeStyle = BAND_EDGE;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      [y0, y1].forEach(function (y) {
        if (y < b.top || y > b.top + b.height) return;
        ctx.beginPath();
        ctx.moveTo(b.left, y);
        ctx.lineTo(b.left + b.width, y);
        ctx.stroke();
      });
      ctx.setLineDash([]);
    });
    ctx.restore();
  }

  // drawOver draws the annotations and the marks, over the lines.
  function drawOver(u, s) {
    var ctx = u.ctx, b = u.bbox, w = s.widget;
    var px = devicePixelRatio;
    ctx.save();
    ctx.font = (11 * px) + "px system-ui, sans-serif";
    // Every label starts at its point, on its baseline: uPlot leaves its axes' alignment (right,
    // middle) on the context, which drew each label ending where its mark starts.
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    (w.horizontal || []).forEach(function (h) {
      var y = u.valToPos(h.value, "y", true);
      if (y < b.top || y > b.top + b.height) return;
      ctx.strokeStyle = h.color || "#d62728";
      ctx.lineWidth = px;
      ctx.beginPath();
      ctx.moveTo(b.left, y);
      ctx.lineTo(b.left + b.width, y);
      ctx.stroke();
      if (h.label) {
        ctx.fillStyle = h.color || "#d62728";
        ctx.fillText(h.label, b.left + 4 * px, y - 3 * px);
      }
    });
    (w.vertical || []).forEach(function (v) {
      var t = Date.parse(v.time) / 1000;
      if (!isFinite(t)) return;
      var x = xpos(u, t);
      if (x < b.left || x > b.left + b.width) return;
      ctx.strokeStyle = v.color || "#555";
      ctx.lineWidth = px;
      ctx.beginPath();
      ctx.moveTo(x, b.top);
      ctx.lineTo(x, b.top + b.height);
      ctx.stroke();
      if (v.label) {
        ctx.fillStyle = v.color || "#555";
        ctx.fillText(v.label, x + 3 * px, b.top + 12 * px);
      }
    });
    (w.marks || []).forEach(function (m) {
      var x0 = xpos(u, Math.max(m.start, u.scales.x.min)), x1 = xpos(u, Math.min(m.end, u.scales.x.max));
      // A window measured with no value: along the bottom of the plot, dashed, saying so.
      var y = m.noData ? b.top + b.height - 3 * px : u.valToPos(m.value, "y", true);
      var color = m.notJudged ? "#5f6b7a" : m.pass ? "#1b7f1b" : "#c11b1b";
      ctx.strokeStyle = color;
      ctx.lineWidth = 3 * px;
      if (m.noData) ctx.setLineDash([6 * px, 3 * px]);
      ctx.beginPath();
      ctx.moveTo(x0, y);
      ctx.lineTo(Math.max(x1, x0 + 2 * px), y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = color;
      ctx.fillText(m.label + " " + (m.noData ? "no data" : fmt(m.value)), x0 + 2 * px, y - 5 * px);
    });
    ctx.restore();
  }

  window.ChaosDash = { render: render, charts: charts, format: fmt };
})();
