// Back office for citizen concerns: progressive enhancement only; every page works without it.
// - HTMX swaps a refused action's form (HTTP 400) in place, so its errors show.
// - "Select all" for the inbox's bulk actions.
// - A response template fills the public note at once (without JS: "Insert the template").
// - Inbox map: one circle per concern, coloured and labelled by its target-time status.
// - Heat map: districts shaded by concerns per km² (the page's table has the same figures).
(function () {
  "use strict";
  var script = document.currentScript;

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function addSelectAll(root) {
    var header = root.querySelector(".inbox-table th.select-column");
    if (!header || header.querySelector("input")) { return; }
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = "select-all";
    var label = document.createElement("label");
    label.htmlFor = "select-all";
    label.className = "visually-hidden";
    label.textContent = header.textContent.trim();
    header.textContent = "";
    header.appendChild(box);
    header.appendChild(label);
    box.addEventListener("change", function () {
      root.querySelectorAll(".row-select").forEach(function (row) { row.checked = box.checked; });
    });
  }
  addSelectAll(document);
  document.body.addEventListener("htmx:afterSettle", function () { addSelectAll(document); });

  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (picker.id !== "template-picker") { return; }
    var source = document.getElementById("response-templates");
    var note = document.getElementById(picker.dataset.target);
    if (!source || !note) { return; }
    var texts = JSON.parse(source.textContent);
    if (texts[picker.value]) {
      note.value = texts[picker.value];
      note.focus();
    }
  });

  var TARGET_COLOURS = {
    on_time: "#1e6b2f",
    due_soon: "#8a6100",
    overdue: "#b3001b",
    no_target: "#4a4a4a",
    closed: "#4a4a4a",
  };
  var SHADES = ["#ffffff", "#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"];

  function mapOf(id) {
    var container = id && document.getElementById(id);
    return container && container.leafletMap;
  }

  function data(id) {
    var source = id && document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.number;
    box.appendChild(link);
    box.appendChild(document.createTextNode(" · " + properties.category + " · " + properties.state + " · " + properties.targetLabel));
    return box;
  }

  function drawInbox() {
    var map = mapOf(script.dataset.inboxMap);
    var collection = data(script.dataset.inboxGeojson);
    if (!map || !collection || !collection.features.length) { return; }
    var layer = L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var colour = TARGET_COLOURS[feature.properties.target] || "#4a4a4a";
        return L.circleMarker(latlng, {
          radius: feature.properties.target === "overdue" ? 10 : 8,
          weight: 3, color: colour, fillColor: colour, fillOpacity: 0.6,
          dashArray: feature.properties.target === "closed" ? "3 3" : null,
        });
      },
      onEachFeature: function (feature, item) {
        item.bindTooltip(document.createTextNode(feature.properties.number + " – " + feature.properties.targetLabel));
        item.bindPopup(popup(feature.properties));
      },
    }).addTo(map);
    // Without animation: core already set a view, and a moving map would shift the markers
    // under a pointer about to click one.
    map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15, animate: false });
  }

  function drawHeat() {
    var map = mapOf(script.dataset.heatMap);
    var collection = data(script.dataset.heatGeojson);
    if (!map || !collection || !collection.features.length) { return; }
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return { color: "#002d52", weight: 1, fillColor: SHADES[feature.properties.shade] || SHADES[0], fillOpacity: 0.8 };
      },
      onEachFeature: function (feature, item) { item.bindTooltip(document.createTextNode(feature.properties.label)); },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { animate: false });
  }

  drawInbox();
  drawHeat();
})();
