"""Reads of the agency's book (S-6.2): the insurers of the quote form, the list with its
filters, one customer's policies, the names of the four free fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.text import normalize_identifier, search_filter, search_key
from crm.models import BookPolicy, CrmSettings, Customer
from policies.models import Line, Question

# The quote form's question that names the previous insurer (policies/tariffs/questions.csv).
INSURER_QUESTION = "previous_insurer"
NO_INSURER = "none"  # "I have no previous policy"
OTHER_INSURER = "other"  # "Other": the name is typed


def insurer_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of the insurers the site's quote form lists, in its order, without
    "no previous policy"; "other" (a name typed) is always last."""
    seen: dict[str, str] = {}
    questions = Question.objects.filter(code=INSURER_QUESTION).order_by("line__position", "id")
    for question in questions:
        for value, label in question.display_choices:
            if value != NO_INSURER and value not in seen:
                seen[value] = label
    other = seen.pop(OTHER_INSURER, None)
    choices = list(seen.items())
    if other is not None:
        choices.append((OTHER_INSURER, other))
    else:
        choices.append((OTHER_INSURER, _("Other insurer")))
    return choices


def insurer_lookup() -> dict[str, str]:
    """Every way a person may write an insurer of the list (its code, its name, its name
    without the word "insurance") as a search key → the insurer's code."""
    lookup: dict[str, str] = {}
    for code, name in insurer_choices():
        if code == OTHER_INSURER:
            continue
        lookup[search_key(code)] = code
        lookup[search_key(name)] = code
        short = name.replace("بیمه", "", 1).strip()
        if short:
            lookup[search_key(short)] = code
    return lookup


def line_lookup() -> dict[str, str]:
    """A catalogue line's code or name (either language), as a search key → its code."""
    lookup: dict[str, str] = {}
    for code, name, name_en in Line.objects.values_list("code", "name", "name_en"):
        short = name.replace("بیمه", "", 1).strip()  # "بیمه شخص ثالث" → "شخص ثالث"
        for key in (code, name, name_en, short):
            if key:
                lookup[search_key(key)] = code
    return lookup


def insurer_display(policy: BookPolicy, names: dict[str, str] | None = None) -> str:
    """The insurer's name for a row of the book (ours: empty)."""
    if policy.origin == BookPolicy.Origin.LEDGER:
        return ""
    if policy.insurer_name:
        return policy.insurer_name
    names = names if names is not None else dict(insurer_choices())
    return names.get(policy.insurer_code, policy.insurer_code)


@dataclass(frozen=True)
class FreeField:
    name: str  # extra_1 … extra_4
    label: str


def free_fields() -> list[FreeField]:
    """The four free fields the agency has named (unnamed ones are not shown)."""
    settings = CrmSettings.objects.get(pk=1)
    fields = []
    for number in range(1, 5):
        label = getattr(settings, f"book_extra_{number}_label")
        if label:
            fields.append(FreeField(f"extra_{number}", label))
    return fields


def book_list(
    *,
    origin: str = "",
    line_code: str = "",
    state: str = "",
    insurer_code: str = "",
    expires_from: dt.date | None = None,
    expires_to: dt.date | None = None,
    query: str = "",
) -> QuerySet[BookPolicy]:
    """The agency's book with the list's filters, soonest expiry first (what to chase), the
    customer joined. ``query`` is a policy number (exact, any digits) or words of the
    customer's name, national code or mobile."""
    policies = BookPolicy.objects.select_related("customer")
    if origin:
        policies = policies.filter(origin=origin)
    if line_code:
        policies = policies.filter(line_code=line_code)
    if state:
        policies = policies.filter(state=state)
    if insurer_code:
        policies = policies.filter(origin=BookPolicy.Origin.OTHER, insurer_code=insurer_code)
    if expires_from:
        policies = policies.filter(end_date__gte=expires_from)
    if expires_to:
        policies = policies.filter(end_date__lte=expires_to)
    if query:
        # The policies of that number and those of the customers found, each by its index
        # (one OR over both would read the whole book).
        number = normalize_identifier(query)
        by_number = BookPolicy.objects.filter(number=number).order_by().values("pk")
        by_customer = (
            BookPolicy.objects.filter(customer__in=_customers_matching(query))
            .order_by()
            .values("pk")
        )
        policies = policies.filter(pk__in=by_number.union(by_customer, all=True))
    return policies.order_by("end_date", "-id")


# The list's pager (issue of scale): pages after the last row shown (keyset), never an offset,
# and a count that stops at a cap (a book holds hundreds of thousands of policies).
COUNT_CAP = 10_000
_CURSOR_SALT = "crm.book.page"


@dataclass
class BookPage:
    """A page of :func:`book_list`: its rows, the cursor of the next page (None on the last)
    and whether it is the first."""

    rows: list[BookPolicy]
    next_cursor: str | None
    first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _after(cursor: str | None) -> tuple[dt.date | None, int] | None:
    """The (expiry, id) of the last row shown, or None (first page) for a bad cursor."""
    if not cursor:
        return None
    try:
        end, pk = signing.loads(cursor, salt=_CURSOR_SALT)
        return (dt.date.fromisoformat(end) if end is not None else None), int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _list_order(end: dt.date | None, pk: int) -> tuple[bool, dt.date, int]:
    """:func:`book_list`'s order (expiry soonest first, none last, then newest id)."""
    return (end is None, end or dt.date.min, -pk)


def book_page(policies: QuerySet[BookPolicy], *, cursor: str | None, size: int) -> BookPage:
    """``size`` rows of ``policies`` (a :func:`book_list`) after ``cursor``, ids first: two
    queries whatever the page (the page's ids, then its rows with their customers). After a
    row of expiry E and id I come the rest of E (ids below I), the later expiries, then the
    policies without one: three parts, each an ordered range of the index
    ``crm_book_expiry_covering`` that stops after ``size + 1`` rows, so a deep page costs
    what the first costs."""
    after = _after(cursor)
    keys = policies.values_list("end_date", "pk")
    if after is None:
        parts = [keys]
    else:
        end, pk = after
        if end is None:
            parts = [keys.filter(end_date__isnull=True, pk__lt=pk)]
        else:
            parts = [
                keys.filter(end_date=end, pk__lt=pk),
                keys.filter(end_date__gt=end),
                keys.filter(end_date__isnull=True),
            ]
    limited = [part[: size + 1] for part in parts]
    ids = limited[0].union(*limited[1:], all=True) if len(limited) > 1 else limited[0]
    found = sorted(ids, key=lambda key: _list_order(*key))[: size + 1]
    shown = [pk for _end, pk in found[:size]]
    # The rows by their ids alone: the filters were applied once, to the ids.
    by_id = BookPolicy.objects.select_related("customer").in_bulk(shown) if shown else {}
    rows = [by_id[pk] for pk in shown if pk in by_id]
    next_cursor = None
    if len(found) > size:
        end, pk = found[size - 1]
        next_cursor = signing.dumps([end.isoformat() if end else None, pk], salt=_CURSOR_SALT)
    return BookPage(rows=rows, next_cursor=next_cursor, first=after is None)


def book_count(policies: QuerySet[BookPolicy], *, cap: int | None = None) -> tuple[int, bool]:
    """How many rows ``policies`` holds, counted up to ``cap`` (:data:`COUNT_CAP`):
    ``(count, more)`` where ``more`` says there are more than ``cap`` (then ``count`` is
    ``cap``). One query that reads at most ``cap + 1`` index entries."""
    cap = COUNT_CAP if cap is None else cap
    counted = policies.order_by().values("pk")[: cap + 1].count()
    return min(counted, cap), counted > cap


def _customers_matching(query: str) -> Any:
    # A merged customer's policies moved to the one kept (crm.services.merge): only live
    # customers hold any, and the name search's index covers them alone.
    return (
        Customer.objects.filter(search_filter(query, "search_key"), merged_into__isnull=True)
        .order_by()
        .values("pk")
    )


def customer_book(*, customer: Any) -> QuerySet[BookPolicy]:
    """One customer's policies, newest first (the card's section)."""
    return BookPolicy.objects.filter(customer=customer).order_by("-start_date", "-id")


def book_policy_get(*, policy_id: int) -> BookPolicy | None:
    """A row of the current agency's book (the connection is in its schema), or None."""
    return BookPolicy.objects.select_related("customer").filter(pk=policy_id).first()
