// Datastream chart: loads series.json for the range chosen in the page's form and draws it
// with uPlot (raw values as a line; hourly or daily values as the mean with a min-max band).
// Without JavaScript the same form reloads the page, whose table shows the values.
(function () {
  "use strict";
  var chart = document.querySelector("[data-chart]");
  var form = document.querySelector("[data-series-form]");
  if (!chart || !form || !window.uPlot) { return; }
  var labels = JSON.parse(document.getElementById(chart.dataset.labels).textContent);
  var statusLine = document.getElementById(chart.dataset.status);
  var tableBox = document.querySelector("[data-series-table]");
  var csvLink = document.querySelector("[data-csv-link]");
  var legend = document.querySelector("[data-chart-legend]");
  var rangeLine = document.querySelector("[data-series-range]");
  var lang = document.documentElement.lang || "de";
  var unit = chart.dataset.unit || "";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 3 });
  var dateTime = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  var timeOfDay = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  var dayOfMonth = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  var HEIGHT = 320;
  var plot = null;
  var request = 0;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, name) {
      return name in values ? values[name] : match;
    });
  }

  function say(text) { statusLine.textContent = text; }

  function parameters() {
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") { query.append(name, value); }
    });
    return query;
  }

  function isNumber(value) { return typeof value === "number" && isFinite(value); }

  function shown(value) {
    if (value === null || value === undefined) { return "–"; }
    if (isNumber(value)) { return number.format(value); }
    if (typeof value === "object") { return JSON.stringify(value); }
    return String(value);
  }

  function timeAxis(u, splits, axisIndex, space, increment) {
    return splits.map(function (seconds) {
      var moment = new Date(seconds * 1000);
      var midnight = moment.getHours() === 0 && moment.getMinutes() === 0;
      return increment >= 86400 || midnight ? dayOfMonth.format(moment) : timeOfDay.format(moment);
    });
  }

  function options(series, bands) {
    return {
      width: Math.max(chart.clientWidth, 280),
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: true } },
      series: series,
      bands: bands,
      axes: [
        { values: timeAxis, stroke: "#1b1b1b", grid: { stroke: "#dde3ea" } },
        {
          values: function (u, splits) { return splits.map(function (v) { return v === null ? "" : number.format(v); }); },
          label: unit,
          size: 70,
          stroke: "#1b1b1b",
          grid: { stroke: "#dde3ea" },
        },
      ],
    };
  }

  function draw(data) {
    var points = data.points;
    var times = points.map(function (p) { return Date.parse(p.time) / 1000; });
    var columns;
    var series = [{}];
    var bands;
    var aggregated = data.interval !== "raw";
    if (aggregated) {
      var column = function (name) { return points.map(function (p) { return p[name]; }); };
      columns = [times, column("min"), column("mean"), column("max")];
      series.push({ label: labels.min, stroke: "#4a4a4a", width: 1, dash: [6, 4] });
      series.push({ label: labels.mean, stroke: "#00457c", width: 2 });
      series.push({ label: labels.max, stroke: "#4a4a4a", width: 1, dash: [6, 4] });
      bands = [{ series: [3, 1], fill: "rgba(0, 69, 124, 0.15)" }];
    } else {
      columns = [times, points.map(function (p) { return isNumber(p.value) ? p.value : null; })];
      series.push({ label: labels.value, stroke: "#00457c", width: 2, points: { show: points.length <= 200 } });
    }
    if (plot) { plot.destroy(); }
    plot = new uPlot(options(series, bands), columns, chart);
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", chart.dataset.label);
    if (legend) {
      legend.hidden = false;
      legend.querySelector("[data-legend-range]").hidden = !aggregated;
    }
  }

  function cell(tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) { node.className = className; }
    if (tag === "th") { node.scope = "col"; }
    return node;
  }

  function table(data) {
    var aggregated = data.interval !== "raw";
    var box = document.createElement("div");
    box.className = "table-scroll";
    var element = document.createElement("table");
    element.appendChild(cell("caption", tableBox.dataset.caption));
    var head = document.createElement("tr");
    var names = aggregated
      ? [labels.periodStart, labels.min, labels.mean, labels.max, labels.count]
      : [labels.time, labels.value + (unit ? " (" + unit + ")" : "")];
    names.forEach(function (name, index) { head.appendChild(cell("th", name, index ? "numeric" : "")); });
    element.appendChild(document.createElement("thead")).appendChild(head);
    var body = element.appendChild(document.createElement("tbody"));
    data.points.forEach(function (point) {
      var row = body.appendChild(document.createElement("tr"));
      row.appendChild(cell("td", dateTime.format(new Date(point.time))));
      var values = aggregated ? [point.min, point.mean, point.max, point.count] : [point.value];
      values.forEach(function (value) { row.appendChild(cell("td", shown(value), "numeric")); });
    });
    box.appendChild(element);
    tableBox.replaceChildren(box);
  }

  function load(query) {
    var mine = ++request;
    say(labels.loading);
    return fetch(chart.dataset.seriesUrl + "?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== request) { return; }
        var data = answer.body;
        if (!answer.ok) { say(data.detail || labels.failed); return; }
        if (data.truncated && data.suggestedInterval) {
          form.elements.interval.value = data.suggestedInterval;
          var retry = parameters();
          return load(retry).then(function () {
            say(fill(labels.switched, { limit: number.format(data.limit), interval: labels[data.suggestedInterval] }) + " " + statusLine.textContent);
          });
        }
        draw(data);
        if (tableBox) { table(data); }
        if (csvLink) { csvLink.href = chart.dataset.csvUrl + "?" + query.toString(); }
        if (rangeLine) {
          rangeLine.textContent = fill(labels.range, {
            start: dateTime.format(new Date(data.start)),
            end: dateTime.format(new Date(data.end)),
          });
        }
        history.replaceState(null, "", "?" + query.toString());
        if (!data.points.length) { say(labels.empty); return; }
        say(fill(data.interval === "raw" ? labels.shown : labels.buckets, { count: number.format(data.points.length) }));
      })
      .catch(function () { if (mine === request) { say(labels.failed); } });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(parameters());
  });
  // Typing a start or end means a custom range.
  ["start", "end"].forEach(function (name) {
    form.elements[name].addEventListener("input", function () {
      var custom = form.querySelector("input[name=range][value=custom]");
      if (custom) { custom.checked = true; }
    });
  });
  window.addEventListener("resize", function () {
    if (plot) { plot.setSize({ width: Math.max(chart.clientWidth, 280), height: HEIGHT }); }
  });
  load(parameters());
})();
