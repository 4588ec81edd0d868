// Minutes and seconds left on each waiting offer (the fragment is replaced by HTMX polling,
// so every tick looks the badges up again).
(function () {
  "use strict";
  var locale = document.documentElement.lang === "en" ? "en-US" : "fa-IR";
  var digits = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });
  function tick() {
    document.querySelectorAll(".offer-countdown[data-expires]").forEach(function (badge) {
      var left = Math.max(0, Math.floor((Date.parse(badge.dataset.expires) - Date.now()) / 1000));
      badge.textContent = digits.format(Math.floor(left / 60)) + ":" + digits.format(left % 60);
      badge.classList.toggle("text-bg-danger", left < 60);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
