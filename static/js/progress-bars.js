// A progress bar's width from its data-progress (0–100), on the page and after every htmx swap
// (a style attribute would need the policy to allow inline styles).
(function () {
  function draw(root) {
    var bars = root.matches && root.matches("[data-progress]") ? [root] : [];
    root.querySelectorAll("[data-progress]").forEach(function (bar) { bars.push(bar); });
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
      bar.style.width = percent + "%";
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(draw);
  } else {
    draw(document);
  }
})();
