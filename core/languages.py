"""Data kept in both languages: which of the two a page shows (decision 021)."""

from __future__ import annotations

from django.utils.translation import get_language


def english_active() -> bool:
    """Whether the page is in English (the only language besides Persian)."""
    return (get_language() or "").startswith("en")


def in_language(persian: str, english: str) -> str:
    """``english`` on an English page when there is one, else ``persian``."""
    return english if english and english_active() else persian
