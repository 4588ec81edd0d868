// Thousands separators while typing an amount, in the page's digits; the server accepts both.
var digitsOfPage = document.documentElement.lang === "fa" ? "fa-IR" : "en-US";
document.querySelectorAll("input[data-thousands]").forEach(function (input) {
  input.addEventListener("input", function () {
    var digits = input.value.replace(/[۰-۹]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".indexOf(d); }).replace(/[^0-9]/g, "");
    input.value = digits ? Number(digits).toLocaleString(digitsOfPage) : "";
  });
});
