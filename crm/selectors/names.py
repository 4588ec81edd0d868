"""Names of the public rows the CRM keeps as plain ids or codes (accounts, catalog lines),
read in one query per kind for a whole page (no N+1, no cross-schema join)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from policies.models import Line


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Account id → the person's name (or mobile when they have none)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return {
        pk: f"{first} {last}".strip() or mobile
        for pk, first, last, mobile in get_user_model()
        .objects.filter(pk__in=wanted)
        .values_list("pk", "first_name", "last_name", "mobile")
    }


def line_names(codes: Iterable[str]) -> dict[str, str]:
    """Catalog line code → its name in the page's language (codes not in the catalog are
    left out: the caller shows its own fallback)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {line.code: line.display_name for line in Line.objects.filter(code__in=wanted)}
