"""HTML written by agencies is made safe before anyone sees it."""

from __future__ import annotations

import pytest

from core.html import sanitize_html


@pytest.mark.parametrize(
    "dirty,forbidden",
    [
        ("<p>سلام<script>alert(1)</script></p>", "script"),
        ("<script>document.cookie</script>", "document.cookie"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<p style="position:fixed">x</p>', "style"),
        ('<iframe src="https://evil.example"></iframe>', "iframe"),
        ("<style>body{display:none}</style>", "display"),
        ('<p onclick="steal()">x</p>', "onclick"),
        ("<svg><script>alert(1)</script></svg>", "alert"),
        ('<form action="https://evil.example"><input name="card"></form>', "form"),
    ],
)
def test_dangerous_markup_is_removed(dirty, forbidden):
    assert forbidden.lower() not in sanitize_html(dirty).lower()


def test_allowed_markup_and_text_are_kept():
    text = (
        '<h2>درباره ما</h2><p dir="rtl">از <strong>۱۳۸۰</strong> در خدمت شما</p>'
        '<ul><li>بیمه بدنه</li></ul><a href="https://bimeh.example/x">پیوند</a>'
        '<a href="tel:02188001234">تماس</a>'
    )
    clean = sanitize_html(text)
    for kept in (
        "<h2>درباره ما</h2>",
        '<p dir="rtl">',
        "<strong>۱۳۸۰</strong>",
        "<li>بیمه بدنه</li>",
    ):
        assert kept in clean
    assert 'href="https://bimeh.example/x" rel="noopener noreferrer"' in clean
    assert 'href="tel:02188001234"' in clean


def test_plain_text_and_nothing():
    assert sanitize_html("فقط متن ساده") == "فقط متن ساده"
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""  # type: ignore[arg-type]
