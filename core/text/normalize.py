"""Persian text as one text: one spelling of each letter, no stray invisible characters, the
half-space where it belongs, and a search key under which spelling variants meet.

The steps, in order (each a rule of :mod:`core.text.rules`, mirrored by the SQL function of
:mod:`core.text.sql`):

1. characters: presentation forms → letters, Arabic ي ى ك ە … → Persian ی ک ه, Arabic-Indic
   digits → Persian digits, direction marks / kashida / control characters dropped, odd
   spaces → space, line and paragraph separators → new line;
2. soft hyphen or zero-width space inside a word → half-space (ZWNJ), elsewhere dropped;
3. half-spaces: runs → one, and one not standing between two Arabic-script characters → dropped;
4. zero-width joiners: runs → one, and one next to an Arabic letter, a space or an end →
   dropped (emoji sequences keep theirs);
5. a letter + combining hamza or madda → the one letter (ه + ٔ → ۀ, ا + ٓ → آ);
6. spaces: one line — every run of whitespace → one space, ends trimmed; several lines —
   ``\\r\\n`` → ``\\n``, runs of spaces → one, none around a new line, at most one empty line,
   ends trimmed.
"""

from __future__ import annotations

import re
from typing import Literal

from core.digits import to_latin_digits
from core.text.rules import (
    ARABIC,
    ARABIC_INDIC_DIGITS,
    COMPOSITIONS,
    DROPPED,
    KEY_DROPPED,
    KEY_LETTERS,
    LATIN_DIGITS,
    LETTERS,
    LINE_BREAKS,
    PERSIAN_DIGITS,
    SPACES,
    ZWNJ,
    presentation_forms,
    stable_characters,
)

Mode = Literal["line", "lines", "inner"]

# Regular expressions in the dialect Python's re and PostgreSQL share (no \s, \d or \w:
# their meaning differs between the two). The SQL function uses these very strings.
COMPOSITION_RE = r"\u0627[\u0653-\u0655]|[\u0648\u06cc\u0647]\u0654"
SOFT_BREAK_IN_WORD_RE = rf"(?<=[{ARABIC}])[\u00ad\u200b]+(?=[{ARABIC}])"
SOFT_BREAK_RE = r"[\u00ad\u200b]"
ZWJ_RUN_RE = r"\u200d\u200d+"
LOOSE_ZWJ_RE = rf"(?<![^{ARABIC} \t\n\r])\u200d|\u200d(?![^{ARABIC} \t\n\r])"
ZWNJ_RUN_RE = r"\u200c\u200c+"
LOOSE_ZWNJ_RE = rf"(?<![{ARABIC}])\u200c|\u200c(?![{ARABIC}])"
WHITESPACE_RE = r"[ \t\n\r]+"
CARRIAGE_RETURN_RE = r"\r\n?"
BLANKS_RE = r"[ \t]+"
SPACE_AROUND_NEWLINE_RE = r" ?\n ?"
EMPTY_LINES_RE = r"\n\n\n+"
HTML_PART_RE = r"<[^>]*>|[^<]+|<"


def _may_change_re() -> str:
    ranges, stable = [], [ord(char) for char in stable_characters()]
    start = previous = stable[0]
    for code in [*stable[1:], None]:
        if code is not None and code == previous + 1:
            previous = code
            continue
        ranges.append(
            rf"\u{start:04x}" if start == previous else rf"\u{start:04x}-\u{previous:04x}"
        )
        if code is not None:
            start = previous = code
    return rf"[^{''.join(ranges)}]|  |\A | \Z"


# A text that does not match this is already normalised in every mode (see
# rules.stable_characters); the data migrations skip such rows without calling the normaliser.
MAY_CHANGE_RE = _may_change_re()


def _char_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {
        ord(char): value for char, value in presentation_forms().items()
    }
    table.update({ord(char): value for char, value in LETTERS.items()})
    table.update({ord(a): p for a, p in zip(ARABIC_INDIC_DIGITS, PERSIAN_DIGITS, strict=True)})
    table.update({ord(char): None for char in DROPPED})
    table.update({ord(char): " " for char in SPACES})
    table.update({ord(char): "\n" for char in LINE_BREAKS})
    return table


def _key_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(char): value for char, value in KEY_LETTERS.items()}
    for digits in (PERSIAN_DIGITS, ARABIC_INDIC_DIGITS):
        table.update({ord(d): latin for d, latin in zip(digits, LATIN_DIGITS, strict=True)})
    table.update({ord(char): None for char in KEY_DROPPED})
    return table


_CHARS = _char_table()
_KEY = _key_table()
_COMPOSITION = re.compile(COMPOSITION_RE)
_SOFT_BREAK_IN_WORD = re.compile(SOFT_BREAK_IN_WORD_RE)
_SOFT_BREAK = re.compile(SOFT_BREAK_RE)
_ZWJ_RUN = re.compile(ZWJ_RUN_RE)
_LOOSE_ZWJ = re.compile(LOOSE_ZWJ_RE)
_ZWNJ_RUN = re.compile(ZWNJ_RUN_RE)
_LOOSE_ZWNJ = re.compile(LOOSE_ZWNJ_RE)
_WHITESPACE = re.compile(WHITESPACE_RE)
_CARRIAGE_RETURN = re.compile(CARRIAGE_RETURN_RE)
_BLANKS = re.compile(BLANKS_RE)
_SPACE_AROUND_NEWLINE = re.compile(SPACE_AROUND_NEWLINE_RE)
_EMPTY_LINES = re.compile(EMPTY_LINES_RE)
_HTML_PART = re.compile(HTML_PART_RE)


def _normalize(value: str, mode: Mode) -> str:
    text = value.translate(_CHARS)
    text = _SOFT_BREAK_IN_WORD.sub(ZWNJ, text)
    text = _SOFT_BREAK.sub("", text)
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    text = _LOOSE_ZWNJ.sub("", text)
    text = _ZWJ_RUN.sub("\u200d", text)
    text = _LOOSE_ZWJ.sub("", text)
    text = _COMPOSITION.sub(lambda match: COMPOSITIONS[match.group()], text)
    if mode == "line":
        return _WHITESPACE.sub(" ", text).strip(" ")
    text = _CARRIAGE_RETURN.sub("\n", text)
    text = _BLANKS.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _EMPTY_LINES.sub("\n\n", text)
    return text.strip(" \n") if mode == "lines" else text


def normalize_text(value: object, *, multiline: bool = False) -> str:
    """Names, places, addresses and free text, written one way.

    ``multiline=False`` (names, titles, addresses, cities): one line, single spaces.
    ``multiline=True`` (notes, reasons, descriptions): new lines kept, at most one empty line.
    ``None`` gives ``""``. Harakat, teh marbuta (ة), Latin and Persian digits stay as typed.

    >>> normalize_text("  علي   كاظمي\u200f ")
    'علی کاظمی'
    >>> normalize_text("خانه\u0654 ما")
    'خانۀ ما'
    >>> normalize_text("می\u200c\u200cخواهم \u200cکتاب")
    'می\u200cخواهم کتاب'
    """
    if value is None or value == "":  # the common empty field costs nothing
        return ""
    return _normalize(str(value), "lines" if multiline else "line")


def normalize_html(value: object) -> str:
    """HTML that people write (already cleaned by ``core.html.sanitize_html``): the text
    between tags normalised as several lines, the tags themselves left exactly as they are."""
    if value is None:
        return ""
    parts = [
        token if token.startswith("<") else _normalize(token, "inner")
        for token in _HTML_PART.findall(str(value))
    ]
    return "".join(parts).strip(" \n")


def normalize_identifier(value: object) -> str:
    """A number or code typed into a box (order or policy number, agency code, reference):
    invisible marks and spaces dropped, digits Latin, letters' case kept.

    >>> normalize_identifier("\u200f۱۴۰۵-۱۱-۰۰۰۱۲۳ ")
    '1405-11-000123'
    """
    return to_latin_digits(normalize_text(value)).replace(" ", "")


def search_key(value: object) -> str:
    """The key two spellings of the same words share: the text normalised, lower case, Latin
    digits, no harakat, آ أ إ ٱ → ا, ؤ → و, ئ → ی, ة ۀ → ه, and no spaces or half-spaces.

    >>> search_key("می\u200cخواهم") == search_key("میخواهم") == search_key("مي خواهم")
    True
    >>> search_key("Ali ۱۲")
    'ali12'
    """
    return normalize_text(value).lower().translate(_KEY)


def search_terms(query: object) -> list[str]:
    """The words of a search box, each as its :func:`search_key` (empty words left out)."""
    return [key for key in (search_key(word) for word in normalize_text(query).split(" ")) if key]
