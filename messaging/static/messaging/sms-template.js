// The SMS template editor's placeholder picker: a click puts the placeholder's Persian name
// where the cursor is in the text, and the live preview (HTMX) follows the input event.
(function () {
  var body = document.querySelector("textarea[data-sms-body]");
  if (!body) {
    return;
  }
  document.querySelectorAll("[data-sms-placeholder]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-sms-placeholder");
      var start = body.selectionStart === undefined ? body.value.length : body.selectionStart;
      var end = body.selectionEnd === undefined ? start : body.selectionEnd;
      body.value = body.value.slice(0, start) + text + body.value.slice(end);
      var cursor = start + text.length;
      body.focus();
      body.setSelectionRange(cursor, cursor);
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
