// Forms that go on by themselves (to the bank); the button stays for browsers without scripts.
document.querySelectorAll("form[data-auto-submit]").forEach(function (form) {
  form.submit();
});
