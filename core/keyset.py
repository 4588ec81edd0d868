"""Keyset pagination (issue of deep pages): the next page starts after the last row shown,
so page 1,000 costs what page 1 costs, where ``OFFSET`` reads and drops every row before it.

Lists are ordered newest first by a timestamp and the id (``-created_at, -id``); the cursor
is the last row's pair, signed so that a page link cannot be forged into something else
(a bad or stale cursor simply starts from the first page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet

T = TypeVar("T", bound=Model)
_SALT = "core.keyset"


@dataclass
class KeysetPage(Generic[T]):
    rows: list[T]
    next_cursor: str | None
    first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _decode(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        stamp, pk = signing.loads(cursor, salt=_SALT)
        return datetime.fromisoformat(stamp), int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def keyset_page(
    queryset: QuerySet[T], *, field: str, cursor: str | None, size: int
) -> KeysetPage[T]:
    """``size`` rows of ``queryset`` newest first by ``field`` then id, after ``cursor``.
    One query (``size + 1`` rows tell whether there is a next page)."""
    after = _decode(cursor)
    ordered = queryset.order_by(f"-{field}", "-pk")
    if after is not None:
        stamp, pk = after
        ordered = ordered.filter(Q(**{f"{field}__lt": stamp}) | Q(**{field: stamp, "pk__lt": pk}))
    rows = list(ordered[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last: Any = rows[-1]
        next_cursor = signing.dumps([getattr(last, field).isoformat(), last.pk], salt=_SALT)
    return KeysetPage(rows=rows, next_cursor=next_cursor, first=after is None)
