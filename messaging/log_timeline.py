"""The agency's messages to a customer on the card's timeline (decision 039): read from the
public log by agency and customer (index ``core_sms_agency_customer``), with their status and
what sent them, in a constant number of queries whatever their number."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import Truncator
from django.utils.translation import pgettext_lazy

from core.models import SmsMessage
from crm.panel.timeline import TimelineEntry
from messaging.log import sent_rows

# The card shows the latest messages; the SMS log has them all.
CARD_MESSAGES = 30
NOTE_CHARS = 120


def customer_messages(*, agency: Any, customer: Any, limit: int = CARD_MESSAGES) -> list[Any]:
    """The agency's latest messages to one customer with what sent them (``SentRow``)."""
    messages = list(
        SmsMessage.objects.filter(agency_id=agency.pk, customer_id=customer.pk)
        .order_by("-created_at", "-id")
        .only(
            "id",
            "to",
            "body",
            "status",
            "line",
            "source",
            "actor_id",
            "customer_id",
            "parts",
            "created_at",
        )[:limit]
    )
    return sent_rows(messages, customer_names={customer.pk: customer.display_name})


def sms_timeline_entries(*, card: Any, agency: Any) -> Iterable[TimelineEntry]:
    """One entry per message: "SMS sent: <status> · <what sent it> — <text>"."""
    for row in customer_messages(agency=agency, customer=card.customer):
        message = row.message
        yield TimelineEntry(
            at=message.created_at,
            kind="sms",
            label=pgettext_lazy("timeline", "SMS sent"),
            title=f"{message.get_status_display()} · {row.source_label}",
            note=Truncator(message.body).chars(NOTE_CHARS),
            with_time=True,
        )
