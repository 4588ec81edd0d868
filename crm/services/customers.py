"""Customers (S-6.1): create with duplicate detection, update, SMS consent.

Contact points are in :mod:`crm.services.contacts`, relations and groups in
:mod:`crm.services.relations`, merging in :mod:`crm.services.merge`, and the customers that
come from the ledger in :mod:`crm.services.ledger`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.validators import normalize_national_code
from crm.models import Customer, CustomerGroup, CustomerGroupMembership, Marketer, Region
from crm.selectors.duplicates import DuplicateCandidate, customer_duplicates
from crm.services.base import actor_id, agency_write, audit_record, normalized
from crm.services.contacts import (
    AddressInput,
    PhoneInput,
    address_clean,
    addresses_insert,
    email_clean,
    emails_insert,
    phone_clean,
    phones_insert,
)
from crm.tenancy import schema_require
from crm.validators import normalize_company_national_id


class PossibleDuplicates(Conflict):
    """Customers that may be the one being entered; create again with
    ``allow_duplicates=True`` to enter a new one anyway."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        self.candidates = candidates
        super().__init__(
            _("This customer may already be registered; check the customers found."),
            code="possible_duplicates",
        )


# The customer's own details the panel's customer form enters.
DETAIL_FIELDS = (
    "party",
    "first_name",
    "last_name",
    "company_name",
    "national_code",
    "birth_date",
    "job",
    "position",
    "city",
    "region",
    "marketer",
    "preferred_channel",
    "insurance_needs_note",
    "notes",
)
# What ``customer_update`` may change (kind too: staff may mark a prospect definite).
UPDATABLE_FIELDS = frozenset({*DETAIL_FIELDS, "kind", "language", "insurance_needs", "user_id"})


def national_code_clean(value: object, *, party: str) -> str | None:
    """A person's national code or a company's national id as stored; None when empty."""
    if value is None or not str(value).strip():
        return None
    try:
        if party == Customer.Party.COMPANY:
            return normalize_company_national_id(value)
        return normalize_national_code(str(value))
    except ValidationError as error:
        raise ValidationError({"national_code": error.messages}) from None


def _national_code_taken(holder: Customer) -> ValidationError:
    return ValidationError(
        {
            "national_code": [
                _("%(name)s is already registered with this national code.")
                % {"name": holder.display_name}
            ]
        },
        code="national_code_taken",
    )


def _check_name(*, party: str, first_name: str, last_name: str, company_name: str) -> None:
    if party == Customer.Party.COMPANY and not company_name:
        raise ValidationError({"company_name": [_("Enter the company's name.")]})
    if party == Customer.Party.PERSON and not last_name:
        raise ValidationError({"last_name": [_("Enter the customer's last name.")]})


def customer_create(
    *,
    agency: Any,
    actor: Any,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    party: str = Customer.Party.PERSON,
    national_code: str | None = None,
    birth_date: dt.date | None = None,
    job: str = "",
    position: str = "",
    city: str = "",
    region: Region | None = None,
    preferred_channel: str = Customer.Channel.SMS,
    language: str = Customer.Language.PERSIAN,
    insurance_needs: Sequence[str] = (),
    insurance_needs_note: str = "",
    marketer: Marketer | None = None,
    notes: str = "",
    source: str = Customer.Source.PANEL,
    user_id: int | None = None,
    phones: Sequence[PhoneInput | str] = (),
    emails: Sequence[str] = (),
    addresses: Sequence[AddressInput] = (),
    groups: Sequence[CustomerGroup] = (),
    sms_consent_source: str = "",
    allow_duplicates: bool = False,
) -> Customer:
    """Register a prospective customer.

    Refused with a field error when another live customer holds the national code; raises
    :class:`PossibleDuplicates` (with scored candidates) when a customer has one of the
    mobiles or a name that close, unless ``allow_duplicates`` says to create anyway.
    ``sms_consent_source`` (a ``Customer.ConsentSource``) records consent to SMS now.
    """
    schema_require(agency)
    first_name = normalized(Customer, "first_name", first_name)
    last_name = normalized(Customer, "last_name", last_name)
    company_name = normalized(Customer, "company_name", company_name)
    _check_name(party=party, first_name=first_name, last_name=last_name, company_name=company_name)
    code = national_code_clean(national_code, party=party)
    phone_rows = [phone_clean(phone) for phone in phones]
    email_rows = [email_clean(email) for email in emails]
    address_rows = [address_clean(address) for address in addresses]
    mobiles = [phone.number for phone in phone_rows if phone.kind == "mobile"]
    name = company_name if party == Customer.Party.COMPANY else f"{first_name} {last_name}"
    candidates = customer_duplicates(national_code=code, mobiles=mobiles, name=name)
    for candidate in candidates:
        if "national_code" in candidate.reasons:
            raise _national_code_taken(candidate.customer)
    if candidates and not allow_duplicates:
        raise PossibleDuplicates(candidates)
    now = timezone.now()
    customer = Customer(
        kind=Customer.Kind.PROSPECTIVE,
        party=party,
        first_name=first_name,
        last_name=last_name,
        company_name=company_name,
        national_code=code,
        birth_date=birth_date,
        job=job,
        position=position,
        city=city,
        region=region,
        preferred_channel=preferred_channel,
        language=language,
        insurance_needs=sorted(set(insurance_needs)),
        insurance_needs_note=insurance_needs_note,
        marketer=marketer,
        notes=notes,
        source=source,
        user_id=user_id,
        created_by_user_id=actor_id(actor),
        mobile=mobiles[0] if mobiles else "",
        sms_consent=bool(sms_consent_source),
        sms_consent_at=now if sms_consent_source else None,
        sms_consent_source=sms_consent_source,
        sms_consent_by_user_id=actor_id(actor) if sms_consent_source else None,
    )
    try:
        with agency_write(agency):
            with transaction.atomic():  # a savepoint: the unique national code
                customer.save()
            phones_insert(customer=customer, phones=phone_rows)
            emails_insert(customer=customer, emails=email_rows)
            addresses_insert(customer=customer, addresses=address_rows)
            CustomerGroupMembership.objects.bulk_create(
                [
                    CustomerGroupMembership(
                        customer=customer, group=group, added_by_user_id=actor_id(actor)
                    )
                    for group in groups
                ]
            )
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.created",
                target=customer,
                changes={
                    "display_name": (None, customer.display_name),
                    "source": (None, source),
                },
            )
    except IntegrityError as error:
        holder = Customer.objects.filter(national_code=code, merged_into__isnull=True).first()
        if code and holder is not None:
            raise _national_code_taken(holder) from error
        raise
    return customer


def _locked_live(customer: Customer) -> Customer:
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.merged_into_id is not None:
        raise Conflict(
            _("This customer was merged into another; change that one instead."),
            code="customer_merged",
        )
    return locked


def customer_update(*, agency: Any, actor: Any, customer: Customer, **fields: Any) -> Customer:
    """Change the customer's own details (``UPDATABLE_FIELDS``); every change is audited."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"customer_update cannot change {sorted(unknown)}")
    with agency_write(agency):
        locked = _locked_live(customer)
        party = fields.get("party", locked.party)
        if "national_code" in fields or "party" in fields:
            fields["national_code"] = national_code_clean(
                fields.get("national_code", locked.national_code), party=party
            )
        if "insurance_needs" in fields:
            fields["insurance_needs"] = sorted(set(fields["insurance_needs"]))
        changes: dict[str, tuple[Any, Any]] = {}
        for field, value in fields.items():
            value = normalized(Customer, field, value)
            old = getattr(locked, field)
            if old != value:
                changes[field] = (old, value)
                setattr(locked, field, value)
        if not changes:
            return locked
        _check_name(
            party=locked.party,
            first_name=locked.first_name,
            last_name=locked.last_name,
            company_name=locked.company_name,
        )
        code = locked.national_code
        if "national_code" in changes and code:
            holder = (
                Customer.objects.filter(national_code=code, merged_into__isnull=True)
                .exclude(pk=locked.pk)
                .first()
            )
            if holder is not None:
                raise _national_code_taken(holder)
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            agency=agency, actor=actor, action="customer.updated", target=locked, changes=changes
        )
    return locked


def customer_sms_consent_set(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    consent: bool,
    source: str = "",
    actor_label: str = "",
) -> Customer:
    """Record that the customer agrees to SMS (``source``: how, a ``Customer.ConsentSource``)
    or does not (an opt-out: promotional and automated messages stop). ``actor_label``: the
    part of the system that acted without a person (an SMS reply), for the audit row."""
    if consent and source not in Customer.ConsentSource.values:
        raise ValidationError({"sms_consent_source": [_("Say how the customer agreed.")]})
    with agency_write(agency):
        locked = _locked_live(customer)
        before = locked.sms_consent
        now = timezone.now()
        if consent:
            locked.sms_consent = True
            locked.sms_consent_at = now
            locked.sms_consent_source = source
            locked.sms_consent_by_user_id = actor_id(actor)
            locked.sms_opted_out_at = None
        else:
            locked.sms_consent = False
            locked.sms_opted_out_at = now
        locked.save(
            update_fields=[
                "sms_consent",
                "sms_consent_at",
                "sms_consent_source",
                "sms_consent_by_user_id",
                "sms_opted_out_at",
                "updated_at",
            ]
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.sms_consent_changed",
            target=locked,
            changes={"sms_consent": (before, consent)},
            actor_label=actor_label,
        )
    return locked
