"""What a person reads on a page: its text nodes and placeholders, without scripts and styles,
and apart from the codes a page marks as Latin (``data-latin``, core.templatetags.ui.latin)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
HIDDEN = {"script", "style", "template", "noscript"}
LATIN_DIGIT = re.compile(r"[0-9]")
PERSIAN_DIGIT = re.compile(r"[۰-۹٠-٩]")
PERSIAN_LETTER = re.compile(r"[\u0621-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06CC]")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, whether its text is not read)

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        skip = tag in HIDDEN or "data-latin" in names
        if tag == "input" and names.get("type") == "hidden":
            return
        if not (skip or self._skipping()):
            placeholder = names.get("placeholder")
            if placeholder:
                self.texts.append(placeholder)
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    """The pieces of text a person reads on ``html`` (Latin-marked codes left out)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.texts


def with_latin_digits(html: str) -> list[str]:
    """The visible pieces of text that show a Latin digit (none on a Persian page)."""
    return [text for text in visible_texts(html) if LATIN_DIGIT.search(text)]


def with_persian_digits(html: str) -> list[str]:
    """The visible pieces of text that show a Persian digit (none on an English page)."""
    return [text for text in visible_texts(html) if PERSIAN_DIGIT.search(text)]
