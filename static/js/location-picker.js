// A point picked on a Leaflet map, written into two inputs (latitude, longitude).
// Markup: <div data-location-picker data-lat-input="id" data-lon-input="id"
//          data-tiles="https://…/{z}/{x}/{y}.png" data-attribution="…"
//          data-center-lat="35.7" data-center-lon="51.4"></div>
// Works without tiles (the map is then blank but clicking still picks a point).
(function () {
  "use strict";

  function round6(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  // "۳۵٫۷" or "35.7": Persian and Arabic-Indic digits and the Persian decimal sign, as the
  // server accepts them (core.digits.number_text).
  function toNumber(text) {
    var latin = String(text || "")
      .replace(/[\u06f0-\u06f9]/g, function (d) { return String(d.charCodeAt(0) - 0x06f0); })
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); })
      .replace(/\u066b/g, ".")
      .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\s]/g, "");
    return latin ? Number(latin) : NaN;
  }

  function setup(element) {
    if (typeof L === "undefined" || element.dataset.ready) return;
    element.dataset.ready = "1";
    var latInput = document.getElementById(element.dataset.latInput);
    var lonInput = document.getElementById(element.dataset.lonInput);
    var lat0 = toNumber(latInput.value), lon0 = toNumber(lonInput.value);
    var typed = !isNaN(lat0) && !isNaN(lon0);
    var start = typed
      ? [lat0, lon0]
      : [
          parseFloat(element.dataset.centerLat || "35.6892"),
          parseFloat(element.dataset.centerLon || "51.3890"),
        ];
    var map = L.map(element).setView(start, typed ? 14 : 11);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 19,
        attribution: element.dataset.attribution || "",
      }).addTo(map);
    }
    var marker = null;

    function place(latlng, pan) {
      latInput.value = round6(latlng.lat).toFixed(6);
      lonInput.value = round6(latlng.lng).toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true }).addTo(map);
        marker.on("dragend", function () {
          place(marker.getLatLng(), false);
        });
      }
      if (pan) map.panTo(latlng);
      element.dispatchEvent(new CustomEvent("location-picked", { bubbles: true }));
    }

    if (typed) place(L.latLng(start[0], start[1]), false);
    map.on("click", function (event) {
      place(event.latlng, false);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var lat = toNumber(latInput.value), lon = toNumber(lonInput.value);
        if (!isNaN(lat) && !isNaN(lon)) place(L.latLng(lat, lon), true);
      });
    });
    var here = document.querySelector("[data-locate-for='" + element.id + "']");
    if (here && navigator.geolocation) {
      here.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          place(L.latLng(position.coords.latitude, position.coords.longitude), true);
          map.setZoom(15);
        });
      });
    } else if (here) {
      here.hidden = true;
    }
    element._map = map;
  }

  function all() {
    document.querySelectorAll("[data-location-picker]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();
