"""Rows of the CRM's report tests, made straight in the agency's schema."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from crm.models import BookPolicy, Customer

_numbers = itertools.count(1)


def customer(first_name: str = "مینا", last_name: str = "احمدی", **fields) -> Customer:
    number = next(_numbers)
    fields.setdefault("mobile", f"0935{number:07d}")
    fields.setdefault("source", Customer.Source.PANEL)
    return Customer.objects.create(first_name=first_name, last_name=last_name, **fields)


def book(customer: Customer, *, end: dt.date, start: dt.date | None = None, **fields) -> BookPolicy:
    """A policy of ``customer``: another insurer's by default, ``origin="ledger"`` for one
    sold here (a made-up ledger id)."""
    number = next(_numbers)
    fields.setdefault("origin", BookPolicy.Origin.OTHER)
    if fields["origin"] == BookPolicy.Origin.LEDGER:
        fields.setdefault("policy_id", 900_000 + number)
    else:
        fields.setdefault("insurer_code", "asia")
    fields.setdefault("line_code", "crm_motor")
    fields.setdefault("number", f"P-{number:05d}")
    fields.setdefault("premium", Decimal("12345000"))
    return BookPolicy.objects.create(
        customer=customer,
        start_date=start or end - dt.timedelta(days=365),
        end_date=end,
        **fields,
    )


def renewed_pair(customer: Customer, *, end: dt.date, **fields) -> tuple[BookPolicy, BookPolicy]:
    """A policy expiring on ``end`` and the one that renewed it."""
    later = {**fields, "number": f"{fields['number']}-R"} if "number" in fields else fields
    following = book(customer, end=end + dt.timedelta(days=365), start=end, **later)
    earlier = book(
        customer, end=end, renewed_by=following, state=BookPolicy.State.RENEWED, **fields
    )
    return earlier, following
