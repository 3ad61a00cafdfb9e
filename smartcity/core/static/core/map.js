// Leaflet map component: draws the GeoJSON named by data-geojson; a background tile
// layer only when the installation configures one (kiosks and CI are offline).
(function () {
  "use strict";
  function initMap(element) {
    // No fading: popups appear at full contrast at once (and nothing moves for those who
    // prefer reduced motion).
    var map = L.map(element, { scrollWheelZoom: false, fadeAnimation: false });
    var tileUrl = element.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    var source = document.getElementById(element.dataset.geojson);
    var data = source ? JSON.parse(source.textContent) : null;
    if (data && data.features && data.features.length) {
      var layer = L.geoJSON(data, {
        style: function (feature) {
          return { color: "#00457c", weight: 2, fillOpacity: feature.properties.kind === "city" ? 0 : 0.12 };
        },
        onEachFeature: function (feature, lyr) {
          if (feature.properties && feature.properties.name) { lyr.bindTooltip(feature.properties.name); }
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds());
    } else {
      map.setView([51.05, 13.74], 11);
    }
    element.leafletMap = map;
  }
  document.querySelectorAll("[data-map]").forEach(initMap);
})();
