"""The card's timeline: contacts (SMS too), cases, policies, complaints, claims, cheques and
panel sales of one customer, newest first, built from what the card already read (no query of
its own). Apps above the CRM add entries of their own (the SMS log: its messages to the customer)
through :func:`timeline_source_register`: each source reads what it needs for one card in a
constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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
    with_time: bool = False  # shown with its Tehran time of day, not the day alone


# Extra entries for a card: ``source(card=..., agency=...)`` → entries (decision 039).
TimelineSource = Callable[..., Iterable[TimelineEntry]]
_sources: dict[str, TimelineSource] = {}


def timeline_source_register(key: str, source: TimelineSource) -> None:
    """Add ``source``'s entries to every card's timeline (registering a key again replaces it)."""
    _sources[key] = source


def _moment(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def card_timeline(card: Any, *, agency: Any = None) -> list[TimelineEntry]:
    """Everything that happened with the customer, newest first (at most 100 entries); with
    ``agency``, the registered sources' entries too."""
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
    if agency is not None:
        for source in _sources.values():
            entries.extend(source(card=card, agency=agency))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:TIMELINE_LENGTH]
