"""Helpers of the SMS credit tests: ledger rows at chosen times, without the outbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.models import SmsCreditEntry
from core.sms.credit import credit_charge, credit_refund, credit_top_up

PANEL = "panel.localhost"
OPS = "ops.localhost"


def at(entry: SmsCreditEntry, moment: dt.datetime) -> SmsCreditEntry:
    SmsCreditEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    entry.refresh_from_db()
    return entry


def charge(agency_id: int, *, messages: int, parts: int, price: int = 1200, when=None):
    entry = credit_charge(
        agency_id=agency_id,
        amount=Decimal(parts * price),
        messages=messages,
        parts=parts,
        source="bulk:1",
    )
    assert entry is not None
    return at(entry, when) if when else entry


def refund(agency_id: int, *, messages: int, parts: int, price: int = 1200, when=None):
    entry = credit_refund(
        agency_id=agency_id, amount=Decimal(parts * price), messages=messages, parts=parts
    )
    assert entry is not None
    return at(entry, when) if when else entry


def top_up(agency_id: int, amount: int, *, actor=None, when=None, note: str = ""):
    entry = credit_top_up(agency_id=agency_id, amount=amount, actor=actor, note=note)
    return at(entry, when) if when else entry
