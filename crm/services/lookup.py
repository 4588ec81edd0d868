"""Caller lookup (S-6.5): who holds a phone number, logged as a contact every time, from the
panel's page (by the member) or from the agency's telephony system (``via="telephony"``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.models import ContactLog, Customer
from crm.phones import phone_normalize
from crm.selectors.customers import customers_by_phone
from crm.services.base import actor_id, agency_write
from crm.services.contacts import default_area_code
from crm.tenancy import schema_require


@dataclass
class CallerLookup:
    """The number as stored, the live customers holding it (the primary holder first) and
    the contact recorded for the lookup."""

    number: str
    customers: list[Customer] = field(default_factory=list)
    contact: ContactLog | None = None

    @property
    def customer(self) -> Customer | None:
        return self.customers[0] if self.customers else None


def caller_lookup(*, agency: Any, actor: Any, phone: str, via: str = "") -> CallerLookup:
    """Find who holds ``phone`` (any form: +98, 0098, 0 or none, Persian or Arabic-Indic
    digits, spaces) and log the lookup as an incoming contact of the first holder (or of the
    number alone). ``ValidationError`` (Persian) for something that is not a phone number:
    then nothing is logged."""
    schema_require(agency)
    number = phone_normalize(phone, default_area_code=default_area_code())
    customers = customers_by_phone(phone=number, normalised=True)
    with agency_write(agency):
        contact = ContactLog.objects.create(
            customer=customers[0] if customers else None,
            phone=number,
            channel=ContactLog.Channel.LOOKUP,
            direction=ContactLog.Direction.IN,
            by_user_id=actor_id(actor),
            via=via,
        )
    return CallerLookup(number=number, customers=customers, contact=contact)
