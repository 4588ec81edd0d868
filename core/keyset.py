"""Keyset pagination (issue of deep pages): the next page starts after the last row shown,
so page 1,000 costs what page 1 costs, where ``OFFSET`` reads and drops every row before it.

A list is ordered by a few keys, all in one direction, the last one unique (the id): newest
first by a timestamp and the id (``-created_at, -id``, the default), or oldest first for a
queue (``ascending=True``). The next page is the rows after the last one shown, written as a
row comparison ``(k1, k2, id) > (v1, v2, last id)`` that PostgreSQL reads as one range of a
B-tree index on the same keys: the scan starts at the cursor instead of at the first row.
Keys may be annotations (an expression index on them serves the comparison: a list sorted
in mixed directions negates its numeric keys so that all of them run one way).

No key may be NULL (a row comparison with NULL is never true): a nullable column is
sorted through an annotation that gives NULL a value (``Coalesce``).

The cursor is the last row's keys, signed so that a page link cannot be forged into
something else (a bad or stale cursor simply starts from the first page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import F, Field, Func, Model, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan

T = TypeVar("T", bound=Model)
_SALT = "core.keyset.keys"  # the cursors of decision 059 (two values) start over


@dataclass
class KeysetPage(Generic[T]):
    rows: list[T]
    next_cursor: str | None
    first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


class Row(Func):
    """``ROW(a, b, …)``: compared as a whole, left to right (a B-tree index range)."""

    function = "ROW"
    output_field = Field()


def _encoded(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        raise ValueError("unknown cursor value")
    if isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unknown cursor value")


def _decode(cursor: str | None, keys: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        values = signing.loads(cursor, salt=_SALT)
        if not isinstance(values, list) or len(values) != keys:
            return None
        return [_decoded(value) for value in values]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None


def keyset_page(
    queryset: QuerySet[T],
    *,
    cursor: str | None,
    size: int,
    field: str | None = None,
    keys: Sequence[str] | None = None,
    ascending: bool = False,
) -> KeysetPage[T]:
    """``size`` rows of ``queryset`` after ``cursor``, ordered by ``keys`` (fields or
    annotations of the queryset, the last one unique; by default ``field`` then the id),
    newest first unless ``ascending``. One query (``size + 1`` rows tell whether there is a
    next page); no count and no ``OFFSET``."""
    names = list(keys) if keys is not None else [field or "created_at", "pk"]
    after = _decode(cursor, len(names))
    ordered = queryset.order_by(*(name if ascending else f"-{name}" for name in names))
    if after is not None:
        compare = GreaterThan if ascending else LessThan
        ordered = ordered.filter(
            compare(Row(*(F(name) for name in names)), Row(*(Value(value) for value in after)))
        )
    rows = list(ordered[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = keyset_cursor(rows[-1], keys=names)
    return KeysetPage(rows=rows, next_cursor=next_cursor, first=after is None)


def keyset_cursor(row: Any, *, keys: Sequence[str]) -> str:
    """The cursor of the page that starts after ``row`` (a page link, a benchmark's deep
    page)."""
    values = [getattr(row, "pk" if name in ("pk", "id") else name) for name in keys]
    return signing.dumps([_encoded(value) for value in values], salt=_SALT)
