// The citizens' concern pages, on top of core's Leaflet map component (core/map.js).
// Everything here is an enhancement: each page works as a plain form without it.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // How close to zoom to one place: street level over a background map; without one
  // (offline installations) only the district outlines give orientation.
  function closeZoom(element) { return element.dataset.tileUrl ? 17 : 13; }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, name) { return values[name]; });
  }

  // Lower case with ß as ss, as Python's casefold() writes the category search texts.
  function folded(text) { return text.toLowerCase().replace(/ß/g, "ss"); }

  // Step 1: narrow the category list while typing (the search button does it without JS).
  function initCategorySearch() {
    var input = byId("category-query");
    var container = byId("category-groups");
    var count = byId("category-count");
    if (!input || !container) { return; }
    var items = container.querySelectorAll("li[data-search]");
    function narrow() {
      var words = folded(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var match = words.every(function (word) { return item.dataset.search.indexOf(word) !== -1; });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      container.querySelectorAll(".category-group").forEach(function (group) {
        group.hidden = !group.querySelector("li[data-search]:not([hidden])");
      });
      if (!words.length) { count.textContent = ""; }
      else if (!shown) { count.textContent = container.dataset.noneText; }
      else if (shown === 1) { count.textContent = container.dataset.countOne; }
      else { count.textContent = fill(container.dataset.countMany, { count: shown }); }
    }
    input.addEventListener("input", narrow);
    // Typed before this script ran: narrow at once.
    if (input.value) { narrow(); }
  }

  // Steps 2 and 3: the place on the map, its check, place search, and a submit that keeps
  // the chosen photos when the server sends the form back with errors.
  function initReport() {
    var form = byId("report-form");
    var mapElement = byId("report-map");
    var tools = byId("map-tools");
    if (!form || !mapElement || !mapElement.leafletMap || !tools) { return; }
    var map = mapElement.leafletMap;
    var texts = tools.dataset;
    var pin = null;
    tools.hidden = false;

    function field(name) { return form.querySelector("[name='" + name + "']"); }
    function say(text) { byId("place-status").textContent = text; }
    function number(value) {
      var parsed = parseFloat(String(value).replace(",", "."));
      return isFinite(parsed) ? parsed : null;
    }

    function check() {
      var box = byId("place-check");
      var lat = field("lat").value;
      var lon = field("lon").value;
      if (!box || !lat || !lon) { return; }
      var query = new URLSearchParams({ lat: lat, lon: lon });
      fetch(box.dataset.url + "?" + query, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
        .then(function (html) { byId("place-check").innerHTML = html; })
        .catch(function () { /* the server checks the place again on sending */ });
    }

    function place(lat, lon, zoom) {
      var latlng = L.latLng(lat, lon);
      if (!pin) {
        pin = L.marker(latlng, { draggable: true, autoPan: true, alt: texts.pinLabel, title: texts.pinLabel }).addTo(map);
        pin.on("dragend", function () {
          var moved = pin.getLatLng();
          write(moved.lat, moved.lng);
          check();
        });
      } else {
        pin.setLatLng(latlng);
      }
      if (zoom) { map.setView(latlng, Math.max(map.getZoom(), closeZoom(mapElement)), { animate: false }); }
    }

    function write(lat, lon) {
      field("lat").value = lat.toFixed(6);
      field("lon").value = lon.toFixed(6);
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng, false);
      write(event.latlng.lat, event.latlng.lng);
      say(texts.pinSet);
      check();
    });

    byId("locate-button").addEventListener("click", function () {
      if (!navigator.geolocation) { say(texts.geoFailed); return; }
      say(texts.locating);
      navigator.geolocation.getCurrentPosition(function (position) {
        place(position.coords.latitude, position.coords.longitude, true);
        write(position.coords.latitude, position.coords.longitude);
        say(texts.located);
        check();
      }, function () { say(texts.geoFailed); }, { enableHighAccuracy: true, timeout: 15000 });
    });

    function showPlaces(places) {
      var list = byId("place-results");
      list.textContent = "";
      if (!places.length) { say(texts.noResults); return; }
      say(fill(texts.results, { count: places.length }));
      places.forEach(function (found) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.textContent = found.kind === "address" ? found.name + " (" + texts.addressLabel + ")" : found.name;
        button.addEventListener("click", function () {
          list.textContent = "";
          if (found.bounds) {
            map.fitBounds(found.bounds, { animate: false });
            say(fill(texts.districtFound, { name: found.name }));
          } else {
            place(found.lat, found.lon, true);
            write(found.lat, found.lon);
            if (!field("address").value) { field("address").value = found.name; }
            say(fill(texts.addressPlaced, { name: found.name }));
            check();
          }
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    }

    function search() {
      var query = byId("place-query").value.trim();
      if (query.length < 2) { return; }
      fetch(texts.placesUrl + "?" + new URLSearchParams({ q: query }), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
        .then(function (data) { showPlaces(data.places); })
        .catch(function () { say(texts.noResults); });
    }
    byId("place-search-button").addEventListener("click", search);
    byId("place-query").addEventListener("keydown", function (event) {
      // Enter searches the place; it must not send the report.
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });

    function bindFields() {
      ["lat", "lon"].forEach(function (name) {
        field(name).addEventListener("change", function () {
          var lat = number(field("lat").value);
          var lon = number(field("lon").value);
          if (lat !== null && lon !== null) { place(lat, lon, true); check(); }
        });
      });
    }

    // The server's answer replaces the form, except for the map, its tools and the photo
    // input: browsers cannot put chosen files back into a new input.
    function replaceForm(html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("report-form");
      if (!fresh) { return false; }
      var photos = form.querySelector("input[type=file]");
      var freshPhotos = fresh.querySelector("input[type=file]");
      Array.prototype.forEach.call(freshPhotos.attributes, function (attribute) {
        photos.setAttribute(attribute.name, attribute.value);
      });
      if (!freshPhotos.hasAttribute("aria-invalid")) { photos.removeAttribute("aria-invalid"); }
      freshPhotos.replaceWith(photos);
      fresh.querySelector("#map-tools").replaceWith(tools);
      fresh.querySelector("#report-map").replaceWith(mapElement);
      var dropped = fresh.querySelector("#photos-dropped");
      if (dropped) { dropped.remove(); }
      form.replaceWith(fresh);
      form = fresh;
      map.invalidateSize();
      bindFields();
      bindSubmit();
      // The place's district and the reports nearby, as before sending.
      if (!byId("place-check").children.length) { check(); }
      var summary = byId("report-errors");
      if (summary) { summary.focus(); }
      return true;
    }

    function bindSubmit() {
      form.addEventListener("submit", function (event) {
        // "Follow this report instead" posts elsewhere, as a plain form.
        if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }
        if (!window.fetch || !window.DOMParser) { return; }
        event.preventDefault();
        var button = byId("report-submit");
        button.disabled = true;
        button.textContent = button.dataset.busyText;
        var sent = form;
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (response) {
            if (response.redirected) { window.location.assign(response.url); return null; }
            return response.text().then(function (html) {
              // Anything but the form again (too many requests, a server error): show the
              // server's page; the form key keeps a repeated send from filing twice.
              if (!(response.status === 200 || response.status === 400) || !replaceForm(html)) {
                HTMLFormElement.prototype.submit.call(sent);
              }
            });
          })
          .catch(function () { HTMLFormElement.prototype.submit.call(sent); });
      });
    }

    bindFields();
    bindSubmit();
    var lat = number(field("lat").value);
    var lon = number(field("lon").value);
    if (lat !== null && lon !== null) {
      place(lat, lon, true);
      if (!byId("place-check").children.length) { check(); }
    }
  }

  function stateStyles() {
    var styles = {};
    document.querySelectorAll(".concern-legend [data-state]").forEach(function (swatch) {
      styles[swatch.dataset.state] = {
        colour: getComputedStyle(swatch).backgroundColor,
        label: swatch.textContent.trim(),
      };
    });
    return styles;
  }

  function popup(feature, holder, styles) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = holder.dataset.detailPrefix + encodeURIComponent(feature.id) + "/";
    link.textContent = feature.properties.category + " " + feature.id;
    box.appendChild(link);
    var state = document.createElement("p");
    var label = document.createElement("span");
    label.className = "concern-state concern-state-" + feature.properties.state;
    label.textContent = (styles[feature.properties.state] || {}).label || feature.properties.state;
    state.appendChild(label);
    if (feature.properties.demo) {
      var demo = document.createElement("span");
      demo.className = "badge demo-label";
      demo.textContent = holder.dataset.demoLabel;
      state.appendChild(document.createTextNode(" "));
      state.appendChild(demo);
    }
    box.appendChild(state);
    return box;
  }

  // The public map: markers from the GeoJSON endpoint, coloured as the legend.
  function initListMap() {
    var holder = byId("concern-markers");
    var element = byId("concern-map");
    if (!holder || !element || !element.leafletMap) { return; }
    var map = element.leafletMap;
    var status = byId("concern-map-status");
    var styles = stateStyles();
    fetch(holder.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) {
        if (!data.features.length) { return; }
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var style = styles[feature.properties.state] || {};
            return L.circleMarker(latlng, { radius: 8, weight: 2, color: "#ffffff", fillColor: style.colour, fillOpacity: 1 });
          },
          onEachFeature: function (feature, marker) {
            var style = styles[feature.properties.state] || {};
            marker.bindTooltip(document.createTextNode(feature.properties.category + " – " + (style.label || feature.properties.state)));
            marker.bindPopup(popup(feature, holder, styles));
          },
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15, animate: false });
        if (data.next) { status.textContent = fill(holder.dataset.moreText, { count: data.features.length }); }
      })
      .catch(function () { status.textContent = holder.dataset.errorText; });
  }

  // A concern's page: its place as one marker, in its state's colour.
  function initDetailMap() {
    var point = byId("concern-point");
    var element = byId("concern-detail-map");
    if (!point || !element || !element.leafletMap) { return; }
    var latlng = L.latLng(parseFloat(point.dataset.lat), parseFloat(point.dataset.lon));
    var state = byId("concern-state");
    L.circleMarker(latlng, {
      radius: 10, weight: 3, color: "#ffffff", fillOpacity: 1,
      fillColor: state ? getComputedStyle(state).backgroundColor : "#00457c",
    }).bindTooltip(document.createTextNode(point.dataset.label)).addTo(element.leafletMap);
    // Core's map shows the concern's district; a background map allows a closer look.
    if (element.dataset.tileUrl) { element.leafletMap.setView(latlng, closeZoom(element), { animate: false }); }
  }

  initCategorySearch();
  initReport();
  initListMap();
  initDetailMap();
})();
