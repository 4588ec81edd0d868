"""The contact log (S-6.5): every caller lookup is kept as a contact, with who looked and
through what, on the customer found (or on the number alone when nobody holds it)."""

from __future__ import annotations

from typing import Any

from crm.models import ContactLog, Customer
from crm.services.base import actor_id, agency_write, audit_record


def contact_lookup_log(
    *, agency: Any, actor: Any, number: str, customer: Customer | None, via: str = ""
) -> ContactLog:
    """Record that ``number`` (already normalised) was looked up, as an incoming contact of
    ``customer`` when one holds it. ``via`` names the channel it came through (``api``, the
    telephony system…)."""
    with agency_write(agency):
        contact = ContactLog.objects.create(
            customer=customer,
            phone=number,
            channel=ContactLog.Channel.LOOKUP,
            direction=ContactLog.Direction.IN,
            by_user_id=actor_id(actor),
            via=via,
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="contact.lookup_logged",
            target=contact,
            changes={"number": (None, number), "customer": (None, customer)},
        )
    return contact
