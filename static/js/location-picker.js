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

  function setup(element) {
    if (typeof L === "undefined" || element.dataset.ready) return;
    element.dataset.ready = "1";
    var latInput = document.getElementById(element.dataset.latInput);
    var lonInput = document.getElementById(element.dataset.lonInput);
    var start = [
      parseFloat(latInput.value || element.dataset.centerLat || "35.6892"),
      parseFloat(lonInput.value || element.dataset.centerLon || "51.3890"),
    ];
    var map = L.map(element).setView(start, latInput.value ? 14 : 11);
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

    if (latInput.value && lonInput.value) place(L.latLng(start[0], start[1]), false);
    map.on("click", function (event) {
      place(event.latlng, false);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
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
