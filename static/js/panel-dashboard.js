// Draws every chart of the panel's dashboard from the JSON that json_script put in the page.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  // Numbers in the page's digits: Persian on a Persian page, Latin on an English one.
  var locale = document.documentElement.lang === "en" ? "en-US" : "fa-IR";
  var numbers = new Intl.NumberFormat(locale);
  var palette = ["#0d6efd", "#20c997", "#ffc107", "#dc3545", "#6f42c1", "#6c757d"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var doughnut = spec.kind === "doughnut";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = palette[index % palette.length];
      return Object.assign(
        {
          backgroundColor: doughnut ? palette : colour,
          borderColor: colour,
        },
        dataset
      );
    });
    var scales = {};
    if (!doughnut) {
      scales.x = { reverse: document.dir === "rtl", ticks: { maxRotation: 0, autoSkip: true } };
      var axes = datasets.map(function (d) { return d.yAxisID || "y"; });
      axes.forEach(function (axis, index) {
        scales[axis] = {
          beginAtZero: true,
          position: index === 0 ? "right" : "left",
          ticks: { callback: function (value) { return numbers.format(value); } },
        };
      });
    }
    canvas._chart = new Chart(canvas, {
      type: doughnut ? "doughnut" : spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        locale: locale,
        responsive: true,
        scales: scales,
        plugins: { legend: { rtl: document.dir === "rtl", position: "bottom" } },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
