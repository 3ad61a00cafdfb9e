// Sensor markers on core's Leaflet map component: one circle per Thing, coloured and
// outlined by its state, with a popup of its latest values. The page's table lists the
// same Things as text, so the map is never the only way to read them.
(function () {
  "use strict";
  var script = document.currentScript;
  var STYLES = {
    ok: { color: "#1e6b2f", fillColor: "#2e8b45", dashArray: null },
    alert: { color: "#b3001b", fillColor: "#d7263d", dashArray: null },
    stale: { color: "#4a4a4a", fillColor: "#ffffff", dashArray: "3 3" },
  };

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function popup(properties) {
    var box = element("div");
    box.appendChild(element("strong", properties.name));
    if (properties.demo) {
      box.appendChild(document.createTextNode(" "));
      box.appendChild(element("span", properties.demoLabel, "badge demo-label"));
    }
    var state = element("p");
    state.appendChild(element("span", properties.stateLabel, "sensor-state sensor-state-" + properties.state));
    box.appendChild(state);
    if (properties.values.length) {
      var list = element("ul");
      properties.values.forEach(function (value) {
        var item = element("li");
        var link = element("a", value.label);
        link.href = value.url;
        item.appendChild(link);
        item.appendChild(document.createTextNode(": " + value.text));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    var table = element("a", properties.tableLabel);
    table.href = properties.tableLink;
    box.appendChild(table);
    return box;
  }

  function draw() {
    var container = document.getElementById(script.dataset.map);
    var source = document.getElementById(script.dataset.geojson);
    if (!container || !container.leafletMap || !source) { return; }
    var map = container.leafletMap;
    var data = JSON.parse(source.textContent);
    if (!data.features.length) { return; }
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var style = STYLES[feature.properties.state] || STYLES.stale;
        return L.circleMarker(latlng, {
          radius: feature.properties.state === "alert" ? 11 : 9,
          weight: 3,
          color: style.color,
          fillColor: style.fillColor,
          fillOpacity: 0.9,
          dashArray: style.dashArray,
        });
      },
      style: function (feature) {
        var style = STYLES[feature.properties.state] || STYLES.stale;
        return { color: style.color, weight: 3, dashArray: style.dashArray, fillOpacity: 0.2 };
      },
      onEachFeature: function (feature, item) {
        var properties = feature.properties;
        item.bindTooltip(properties.name + " – " + properties.stateLabel);
        item.bindPopup(popup(properties));
      },
    }).addTo(map);
    // Without animation: core already set a view, and a zoom animation would move the markers
    // under a pointer or finger that is about to tap one.
    map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15, animate: false });
  }

  draw();
})();
