"""What the book's tests share: the quote form's insurers and a catalogue line."""

from __future__ import annotations

import pytest

from policies.models import Line, Question

INSURERS = [
    {"value": "none", "label": "بیمه‌نامه قبلی ندارم", "label_en": "I have no previous policy"},
    {"value": "iran", "label": "بیمه ایران", "label_en": "Iran Insurance"},
    {"value": "asia", "label": "بیمه آسیا", "label_en": "Asia Insurance"},
    {"value": "dana", "label": "بیمه دانا", "label_en": "Dana Insurance"},
    {"value": "other", "label": "سایر", "label_en": "Other"},
]


@pytest.fixture
def book_catalogue(db) -> Line:
    """Third-party motor with the quote form's previous-insurer question, and fire."""
    line = Line.objects.create(code="third_party", number_code=91, name="شخص ثالث")
    Line.objects.create(code="fire", number_code=92, name="آتش‌سوزی", position=2)
    Question.objects.create(
        line=line,
        code="previous_insurer",
        label="بیمه‌گر قبلی",
        kind=Question.Kind.CHOICE,
        choices=INSURERS,
    )
    return line
