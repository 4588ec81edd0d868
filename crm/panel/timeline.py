"""The card's timeline: contacts (SMS too), cases, policies, complaints, claims, cheques and
panel sales of one customer, newest first, built from what the card already read (no query of
its own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TIMELINE_LENGTH = 100


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # a CSS hook and test id: contact, case, policy, complaint, claim, cheque, sale
    label: str | Promise
    title: str
    note: str = ""


def _moment(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def card_timeline(card: Any) -> list[TimelineEntry]:
    """Everything that happened with the customer, newest first (at most 100 entries)."""
    entries: list[TimelineEntry] = []

    def add(when: Any, kind: str, label: str | Promise, title: str, note: str = "") -> None:
        moment = _moment(when)
        if moment is not None:
            entries.append(TimelineEntry(moment, kind, label, title, note))

    for contact in card.contacts:
        add(
            contact.occurred_at,
            "contact",
            contact.get_channel_display(),
            contact.get_direction_display(),
            contact.note,
        )
    for case in card.cases:
        add(case.created_at, "case", _("Case"), case.title, case.get_state_display())
    for policy in card.book:
        add(
            policy.issued_on or policy.start_date or policy.created_at,
            "policy",
            _("Policy"),
            card.line_names.get(policy.line_code) or policy.subject,
            policy.number,
        )
    for complaint in card.complaints:
        add(
            complaint.received_at,
            "complaint",
            _("Complaint"),
            complaint.subject,
            complaint.get_state_display(),
        )
    for claim in card.claims:
        add(claim.filed_at, "claim", _("Claim"), claim.number, claim.get_state_display())
    for item in card.instruments:
        add(
            item.created_at,
            "cheque",
            item.get_kind_display(),
            item.number,
            item.get_state_display(),
        )
    for row in getattr(card, "sales", []):
        add(row.sale.created_at, "sale", _("Sale"), row.line_name, row.policy_number)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:TIMELINE_LENGTH]
