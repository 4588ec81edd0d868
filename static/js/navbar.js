// The navbar's menu button on narrow screens shows and hides the menu (Bootstrap's
// .collapse / .show classes) without Bootstrap's 80 KB script bundle.
(function () {
  "use strict";
  document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    button.addEventListener("click", function () {
      var open = menu.classList.toggle("show");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
