"""Persian text as one text (decision 020): the rules of core.text, the same rules in SQL,
the model fields that apply them on every write, and the search key."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from core.text import (
    normalize_html,
    normalize_identifier,
    normalize_text,
    search_key,
    search_terms,
)
from core.text.sql import normalize_function_sql, search_key_sql

ZWNJ = "\u200c"
RLM, LRM = "\u200f", "\u200e"

# (typed, one line, several lines)
CASES = [
    # letters
    ("علي", "علی", "علی"),
    ("موسى", "موسی", "موسی"),
    ("كاظم", "کاظم", "کاظم"),
    ("ڪرج", "کرج", "کرج"),
    ("خانە", "خانه", "خانه"),  # ە heh goal / ae
    ("ہمدان", "همدان", "همدان"),  # ہ Urdu heh goal
    ("ھمدان", "همدان", "همدان"),  # ھ heh doachashmee
    ("خانۂ", "خانۀ", "خانۀ"),  # heh goal with hamza
    ("خانه\u0654 ما", "خانۀ ما", "خانۀ ما"),  # ه + hamza above → ۀ
    ("خانۀ ما", "خانۀ ما", "خانۀ ما"),  # ۀ stays
    ("ا\u0653ب", "آب", "آب"),  # ا + madda → آ
    ("مسی\u0654له", "مسئله", "مسئله"),  # ی + hamza → ئ
    ("فاطمة", "فاطمة", "فاطمة"),  # teh marbuta kept
    ("مُحَمَّد", "مُحَمَّد", "مُحَمَّد"),  # harakat kept in text
    ("ﻛﺘﺎﺏ", "کتاب", "کتاب"),  # presentation forms
    ("ﻻله", "لاله", "لاله"),  # lam-alef ligature
    ("ﷲ", "الله", "الله"),
    ("مـــحمد", "محمد", "محمد"),  # kashida
    # digits: Arabic-Indic → Persian, Latin and Persian as typed
    ("پلاک ٤٥", "پلاک ۴۵", "پلاک ۴۵"),
    ("پلاک 45", "پلاک 45", "پلاک 45"),
    ("پلاک ۴۵", "پلاک ۴۵", "پلاک ۴۵"),
    # invisible characters
    (f"{RLM}علی{LRM}", "علی", "علی"),
    ("\u202bعلی\u202c \u2067رضا\u2069", "علی رضا", "علی رضا"),
    ("\ufeffعلی\u2060", "علی", "علی"),
    ("علی\x00\x07", "علی", "علی"),
    ("\u061cعلی", "علی", "علی"),
    # half-spaces
    (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
    (f"می{ZWNJ}{ZWNJ}{ZWNJ}خواهم", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
    (f"{ZWNJ}کتاب{ZWNJ}", "کتاب", "کتاب"),
    (f"کتاب {ZWNJ}ها", "کتاب ها", "کتاب ها"),  # a space before ها is not guessed away
    (f"کتاب{ZWNJ} ها", "کتاب ها", "کتاب ها"),
    (f"abc{ZWNJ}def", "abcdef", "abcdef"),
    ("می\u00adخواهم", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # soft hyphen inside a word
    ("می\u200bخواهم", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # zero-width space inside a word
    ("co\u00adop", "coop", "coop"),
    ("می\u200dخواهم", "میخواهم", "میخواهم"),  # joiner next to Arabic letters
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # emoji keep theirs
    # spaces
    ("  علی \t  رضایی  ", "علی رضایی", "علی رضایی"),
    ("علی\u00a0رضایی\u202fکاظمی\u2009x", "علی رضایی کاظمی x", "علی رضایی کاظمی x"),
    ("خط یک\r\nخط دو", "خط یک خط دو", "خط یک\nخط دو"),
    ("یک  \n\n\n\n  دو ", "یک دو", "یک\n\nدو"),
    ("یک\u2028دو", "یک دو", "یک\nدو"),
    ("", "", ""),
]


@pytest.mark.parametrize(("typed", "line", "lines"), CASES)
def test_normalize_text_rules(typed, line, lines):
    assert normalize_text(typed) == line
    assert normalize_text(typed, multiline=True) == lines
    assert normalize_text(line) == line  # idempotent
    assert normalize_text(lines, multiline=True) == lines


def test_none_is_empty_text():
    assert normalize_text(None) == ""
    assert normalize_html(None) == ""


def test_normalize_html_keeps_the_tags_and_normalises_the_text():
    html = '<p dir="rtl">علي  \n\n\n\n كاظمي</p>\n<a href="/كتاب?x=1&amp;y=2">ﻛتاب</a>  '
    assert (
        normalize_html(html)
        == '<p dir="rtl">علی\n\nکاظمی</p>\n<a href="/كتاب?x=1&amp;y=2">کتاب</a>'
    )
    # Spaces around tags are kept (they separate words); half-spaces at a tag go.
    assert normalize_html("<b>علی</b> رضایی") == "<b>علی</b> رضایی"
    assert normalize_html(f"<b>کتاب</b>{ZWNJ}ها") == "<b>کتاب</b>ها"


def test_normalize_identifier():
    assert normalize_identifier(f"{RLM}۱۴۰۵-۱۱-۰۰۰۱۲۳ ") == "1405-11-000123"
    assert normalize_identifier("AR ٦٨٥") == "AR685"
    assert normalize_identifier(None) == ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (f"می{ZWNJ}خواهم", "میخواهم"),
        ("میخواهم", "می خواهم"),
        ("علي", "علی"),
        ("كاظم", "کاظم"),
        ("مُحَمَّد", "محمد"),
        ("آقای", "اقای"),
        ("پائیز", "پاییز"),
        ("فاطمة", "فاطمه"),
        ("خانۀ", "خانه"),
        ("خانه\u0654", "خانه"),
        ("مسؤول", "مسوول"),
        ("۰۹۱۲", "0912"),
        ("٠٩١٢", "0912"),
        ("ALI", "ali"),
        (f"{RLM}ali", "ali"),
    ],
)
def test_search_key_brings_spellings_together(one, other):
    assert search_key(one) == search_key(other)


def test_search_key_keeps_different_words_apart():
    assert search_key("کاظم") != search_key("کاظمی")
    assert search_key("علی") == "علی"
    assert search_key("Ali ۱۲") == "ali12"


def test_search_terms_are_the_keys_of_the_typed_words():
    assert search_terms("  علي   كاظمي ۰۹۱۲ ") == ["علی", "کاظمی", "0912"]
    assert search_terms(f"{ZWNJ} \u064e ") == []
    assert search_terms(None) == []


# ---- the same rules in SQL ------------------------------------------------------------------


def _random_texts(count: int) -> list[str]:
    alphabet = [
        *"علیکاظمه خانواب <>p/",
        *"يىكڪەہھۂ",
        *"\u0654\u0653\u0655\u064b\u064e\u0651\u0670",
        *"\u200c\u200d\u200b\u00ad\u200e\u200f\u202b\u202c\ufeff\u0640 \t\n\r\u00a0\u2028",
        *"\ufed9\ufef1\ufefb\ufdf2\ufe70\ufb8e٤۴4Aé😀\x01",
    ]
    rng = random.Random(20)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(count)]


def _sql_normalised(texts: list[str], mode: str) -> list[str]:
    with connection.cursor() as cursor:
        for statement in normalize_function_sql():
            cursor.execute(statement)
        if mode == "html":
            cursor.execute(
                "SELECT pg_temp.text_normalize_html(v) FROM unnest(%s::text[]) WITH ORDINALITY"
                " AS t(v, n) ORDER BY n",
                [texts],
            )
        else:
            cursor.execute(
                "SELECT pg_temp.text_normalize(v, %s) FROM unnest(%s::text[]) WITH ORDINALITY"
                " AS t(v, n) ORDER BY n",
                [mode, texts],
            )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_sql_normaliser_agrees_with_python_character_for_character():
    texts = [typed.replace("\x00", "") for typed, _line, _lines in CASES] + _random_texts(1500)
    assert _sql_normalised(texts, "line") == [normalize_text(text) for text in texts]
    assert _sql_normalised(texts, "lines") == [
        normalize_text(text, multiline=True) for text in texts
    ]
    assert _sql_normalised(texts, "html") == [normalize_html(text) for text in texts]


@pytest.mark.django_db
def test_sql_search_key_agrees_with_python():
    texts = [normalize_text(text) for text in _random_texts(800)] + [
        "می\u200cخواهم",
        "مُحَمَّد آقای ۰۹۱۲ ALI",
        "پائیز فاطمة خانۀ",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {search_key_sql('v')} FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) "
            "ORDER BY n",
            [texts],
        )
        keys = [row[0] for row in cursor.fetchall()]
    assert keys == [search_key(text) for text in texts]


def test_a_text_the_quick_test_calls_stable_is_already_normalised():
    """The data migrations skip rows that MAY_CHANGE_RE does not match: that must never skip
    a row some rule would change."""
    import re

    from core.text.normalize import MAY_CHANGE_RE

    may_change = re.compile(MAY_CHANGE_RE)
    texts = [typed for typed, _line, _lines in CASES] + _random_texts(3000)
    texts += ["علی رضایی", "Ali Rezaei 12", "خانۀ ما، پلاک ۱۲", " علی", "علی ", "علی  رضا"]
    skipped = [text for text in texts if not may_change.search(text)]
    assert len(skipped) > 100  # the test does skip ordinary text
    for text in skipped:
        assert normalize_text(text) == text
        assert normalize_text(text, multiline=True) == text
        assert normalize_html(text) == text
    assert not may_change.search("علی رضایی، خانۀ ما ۱۲")
    assert all(may_change.search(text) for text in ("علي", "  ", " x", "x ", "a\u200cb", "x\ny"))


@pytest.mark.django_db
def test_the_quick_test_means_the_same_in_sql():
    import re

    from core.text.normalize import MAY_CHANGE_RE
    from core.text.sql import sql_literal

    texts = [typed.replace("\x00", "") for typed, _line, _lines in CASES] + _random_texts(1500)
    texts += ["علی رضایی", " علی", "علی ", "علی  رضا", "line\nbreak"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v ~ {sql_literal(MAY_CHANGE_RE)} FROM unnest(%s::text[]) WITH ORDINALITY"
            " AS t(v, n) ORDER BY n",
            [texts],
        )
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [bool(re.search(MAY_CHANGE_RE, text)) for text in texts]
