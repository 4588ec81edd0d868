"""The character rules of Persian text, written once and used by Python and by SQL.

Every table here is plain data (code points and regular expressions that mean the same in
Python's ``re`` and in PostgreSQL's advanced regular expressions), so that
:func:`core.text.normalize_text` and the SQL function made by
:func:`core.text.sql.normalize_function_sql` give the same result to the character.
docs/decisions/020-persian-text-normalisation.md explains each rule.
"""

from __future__ import annotations

import unicodedata

# ---- letters -------------------------------------------------------------------------------

PERSIAN_YEH = "\u06cc"  # ی
PERSIAN_KAF = "\u06a9"  # ک
HEH = "\u0647"  # ه
HEH_WITH_YEH_ABOVE = "\u06c0"  # ۀ  (the ezafe after a final heh: خانۀ من)
ZWNJ = "\u200c"  # the half-space (نیم‌فاصله)

# One spelling per letter: the Arabic letters and look-alikes that keyboards, phones and
# copied text bring, mapped to the Persian letter every other word uses.
LETTERS: dict[str, str] = {
    "\u064a": PERSIAN_YEH,  # ي Arabic yeh
    "\u0649": PERSIAN_YEH,  # ى alef maksura (a dotless final yeh)
    "\u0643": PERSIAN_KAF,  # ك Arabic kaf
    "\u06aa": PERSIAN_KAF,  # ڪ swash kaf
    "\u06d5": HEH,  # ە heh goal / ae
    "\u06c1": HEH,  # ہ heh goal (Urdu)
    "\u06be": HEH,  # ھ heh doachashmee
    "\u06c2": HEH_WITH_YEH_ABOVE,  # ۂ heh goal with hamza above
}
# Arabic-Indic digits (٤٥٦ look unlike Persian ۴۵۶) are written as Persian digits in text;
# Latin digits stay as typed. Identifiers are stored with Latin digits (core.digits).
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
LATIN_DIGITS = "0123456789"

# A letter followed by a combining hamza or madda, written as the one letter it is
# (Unicode composes ا + ٓ itself; ه + ٔ and ی + ٔ it does not, since ه and ی are not the
# letters it composes from).
COMPOSITIONS: dict[str, str] = {
    "\u0627\u0653": "\u0622",  # ا + madda → آ
    "\u0627\u0654": "\u0623",  # ا + hamza above → أ
    "\u0627\u0655": "\u0625",  # ا + hamza below → إ
    "\u0648\u0654": "\u0624",  # و + hamza above → ؤ
    "\u06cc\u0654": "\u0626",  # ی + hamza above → ئ
    "\u0647\u0654": HEH_WITH_YEH_ABOVE,  # ه + hamza above → ۀ
}

# ---- invisible characters and spaces ---------------------------------------------------------

# Dropped wherever they are: direction marks and embeddings/isolates, the Arabic letter
# mark, byte-order mark, word joiner, kashida (tatweel), and control characters.
DROPPED = (
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\ufeff\u2060\u180e\u0640"
    + "".join(chr(code) for code in range(0x00, 0x20) if chr(code) not in "\t\n\r\x0b\x0c")
    + "\x7f"
    + "".join(chr(code) for code in range(0x80, 0xA0) if code != 0x85)
)
# Written as an ordinary space.
SPACES = "\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Written as a new line.
LINE_BREAKS = "\u0085\u2028\u2029"
# Soft hyphen and zero-width space: typed as a half-space inside a word by some older
# keyboards and editors, so inside a word they become one; elsewhere they are dropped.
SOFT_BREAKS = "\u00ad\u200b"

# Arabic-script letters, their marks and Persian digits: where a half-space may stand.
# (Not Arabic punctuation ، ؛ ؟ ٫ ٬ ٪ ۔.) The same bracket expression serves both engines.
ARABIC = r"\u0610-\u061a\u0620-\u065f\u066e-\u06d3\u06d5-\u06ff\u0750-\u077f\u08a0-\u08ff"

# ---- the search key --------------------------------------------------------------------------

# Marks that spelling varies on and a search ignores: harakat, superscript alef, Quranic marks.
MARKS = (
    "".join(chr(code) for code in range(0x064B, 0x0660))
    + "\u0670"
    + "".join(chr(code) for code in range(0x06D6, 0x06EE))
)
# Letters a search treats as one (the text itself keeps them apart).
KEY_LETTERS: dict[str, str] = {
    "\u0622": "\u0627",  # آ → ا
    "\u0623": "\u0627",  # أ → ا
    "\u0625": "\u0627",  # إ → ا
    "\u0671": "\u0627",  # ٱ → ا
    "\u0624": "\u0648",  # ؤ → و
    "\u0626": PERSIAN_YEH,  # ئ → ی
    "\u0629": HEH,  # ة → ه
    HEH_WITH_YEH_ABOVE: HEH,  # ۀ → ه
}
# Dropped from a key: marks, half-spaces and every space, so that می‌خواهم, میخواهم and
# می خواهم give one key.
KEY_DROPPED = MARKS + ZWNJ + "\u200d" + " \t\n\r"
# Columns joined into one key are separated by this (never in a key, never typed).
KEY_SEPARATOR = "\x1f"


def presentation_forms() -> dict[str, str]:
    """Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF) → the letters they show.

    Compatibility decomposition (NFKC) of these blocks only: NFKC on whole text would also
    rewrite Latin ligatures, superscripts and full-width forms, which is not ours to change.
    A spacing form of a mark (``ﹰ``) becomes the mark alone, and the result is written with
    the letter rules above (``ﻙ`` → ك → ک).
    """
    table: dict[str, str] = {}
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKC", char)
        if decomposed == char:
            continue
        decomposed = decomposed.lstrip(" ")
        decomposed = "".join(LETTERS.get(c, c) for c in decomposed)
        for pair, single in COMPOSITIONS.items():
            decomposed = decomposed.replace(pair, single)
        table[char] = decomposed
    return table


def stable_characters() -> str:
    """Characters that no rule ever changes on their own: printable ASCII and the Arabic
    block's letters, marks and digits that are already in their one spelling. A text made
    only of these, with single spaces and no space at either end, is already normalised, so
    a data migration need not call the normaliser for it."""
    changing = (
        set(LETTERS)
        | set(DROPPED)
        | set(SPACES)
        | set(LINE_BREAKS)
        | set(SOFT_BREAKS)
        | set(ARABIC_INDIC_DIGITS)
        | {"\u0653", "\u0654", "\u0655"}  # combine with the letter before them
    )
    arabic = (chr(code) for code in range(0x0600, 0x0700))
    return "".join(chr(code) for code in range(0x20, 0x7F)) + "".join(
        char for char in arabic if char not in changing
    )
