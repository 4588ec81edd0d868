"""A report's page (decision 062): the page's keys are picked first from the driving table
alone (an index that matches the report's filter and order), after the last row of the page
before (keyset: page 1,000 costs what page 1 costs), then its rows are read for those keys
only. The rows are counted up to ``COUNT_CAP``; past it the page says "more than"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q

from crm.selectors.reports import Key, Listing

COUNT_CAP = 1000
_SALT = "crm.reporting.paging"


@dataclass
class ReportPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    first: bool
    # Rows of the whole report, counted up to ``COUNT_CAP`` (``more``: there are more).
    count: int
    more: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _plain(value: Any) -> Any:
    """A key as JSON: dates as ISO text, a Decimal score as text, numbers and text as they are."""
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _encode(values: tuple[Any, ...]) -> str:
    plain = [_plain(value) for value in values]
    return signing.dumps(plain, salt=_SALT)


def _decode(listing: Listing, cursor: str | None) -> list[Any] | None:
    """The last row's keys, typed by the driving table's fields; ``None`` for no cursor or a
    bad one (the list starts again from its first page)."""
    if not cursor:
        return None
    try:
        plain = signing.loads(cursor, salt=_SALT)
        if not isinstance(plain, list) or len(plain) != len(listing.order):
            return None
        meta = listing.keys.model._meta
        return [
            None if value is None else meta.get_field(key.field).to_python(value)
            for key, value in zip(listing.order, plain, strict=True)
        ]
    except (signing.BadSignature, ValueError, TypeError, ValidationError, FieldDoesNotExist):
        return None


_NOTHING = Q(pk__in=[])


def _beyond(key: Key, value: Any) -> Q:
    """Rows strictly after ``value`` in this key's order (empty values sort last)."""
    if value is None:
        return _NOTHING
    after = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    return after | Q(**{f"{key.field}__isnull": True}) if key.nullable else after


def _same(key: Key, value: Any) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def after(order: tuple[Key, ...], values: list[Any]) -> Q:
    """Rows after the row whose keys are ``values``: (k1 after v1) or (k1 = v1 and k2 after
    v2) or …, with the first key bounded too, so the index is entered at the cursor."""
    condition = _NOTHING
    equal = Q()
    for key, value in zip(order, values, strict=True):
        condition |= equal & _beyond(key, value)
        equal &= _same(key, value)
    first, value = order[0], values[0]
    if not first.nullable and value is not None:
        condition &= Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": value})
    return condition


def listing_page(listing: Listing, *, cursor: str | None, size: int) -> ReportPage:
    """One page of ``listing`` after ``cursor``: three queries whatever the report's size
    (the page's keys, the capped count, the page's rows)."""
    values = _decode(listing, cursor)
    keys = listing.keys.order_by(*listing.order_by())
    if values is not None:
        keys = keys.filter(after(listing.order, values))
    fields = [key.field for key in listing.order]
    picked = list(keys.values_list(*fields)[: size + 1])
    next_cursor = None
    if len(picked) > size:
        picked = picked[:size]
        next_cursor = _encode(picked[-1])
    counted = listing.keys.order_by().values("pk")[: COUNT_CAP + 1].count()
    rows = list(listing.rows_of([row[-1] for row in picked])) if picked else []
    return ReportPage(
        rows=rows,
        next_cursor=next_cursor,
        first=values is None,
        count=min(counted, COUNT_CAP),
        more=counted > COUNT_CAP,
    )
