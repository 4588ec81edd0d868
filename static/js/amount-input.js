// Thousands separators while typing an amount; the server accepts them and Persian digits.
document.querySelectorAll("input[data-thousands]").forEach(function (input) {
  input.addEventListener("input", function () {
    var digits = input.value.replace(/[۰-۹]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".indexOf(d); }).replace(/[^0-9]/g, "");
    input.value = digits ? Number(digits).toLocaleString("en-US") : "";
  });
});
