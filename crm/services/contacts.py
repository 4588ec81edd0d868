"""A customer's phones, e-mails and postal addresses: stored normalised, one primary of each,
no number or address twice, and the primary mobile mirrored on the customer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.digits import to_latin_digits
from crm.models import CrmSettings, Customer, CustomerAddress, CustomerEmail, CustomerPhone
from crm.phones import phone_is_mobile, phone_normalize
from crm.services.base import agency_write, audit_record, normalized
from crm.tenancy import schema_require


@dataclass(frozen=True)
class PhoneInput:
    """A phone number as typed; ``kind`` is guessed (mobile or home phone) when empty."""

    number: str
    kind: str = ""
    label: str = ""


@dataclass(frozen=True)
class AddressInput:
    address: str
    kind: str = CustomerAddress.Kind.HOME
    province: str = ""
    city: str = ""
    postal_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def default_area_code() -> str:
    return CrmSettings.objects.values_list("default_area_code", flat=True).first() or ""


def phone_clean(phone: PhoneInput | str, *, area_code: str | None = None) -> PhoneInput:
    """The phone as it will be stored (``ValidationError`` on the ``phones`` field)."""
    if isinstance(phone, str):
        phone = PhoneInput(number=phone)
    try:
        number = phone_normalize(
            phone.number, default_area_code=default_area_code() if area_code is None else area_code
        )
    except ValidationError as error:
        raise ValidationError({"phones": error.messages}) from None
    mobile = phone_is_mobile(number)
    kind = phone.kind or ("mobile" if mobile else "landline")
    if kind == "mobile" and not mobile:
        raise ValidationError({"phones": [_("This is not a mobile number.")]})
    if kind not in CustomerPhone.Kind.values:
        raise ValidationError({"phones": [_("Choose the kind of phone.")]})
    return PhoneInput(
        number=number, kind=kind, label=normalized(CustomerPhone, "label", phone.label)
    )


def email_clean(value: str) -> str:
    address = (value or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"emails": [_("Enter a valid e-mail address.")]}) from None
    return address


def address_clean(address: AddressInput) -> AddressInput:
    text = normalized(CustomerAddress, "address", address.address)
    if not text:
        raise ValidationError({"addresses": [_("Write the address.")]})
    postal = re.sub(r"[\s\-]", "", to_latin_digits(address.postal_code or ""))
    if postal and not re.fullmatch(r"[0-9]{10}", postal):
        raise ValidationError({"addresses": [_("A postal code has ten digits.")]})
    if (address.latitude is None) != (address.longitude is None):
        raise ValidationError({"addresses": [_("Choose the point on the map again.")]})
    return AddressInput(
        address=text,
        kind=address.kind,
        province=normalized(CustomerAddress, "province", address.province),
        city=normalized(CustomerAddress, "city", address.city),
        postal_code=postal,
        latitude=address.latitude,
        longitude=address.longitude,
    )


def customer_mobile_refresh(customer: Customer) -> None:
    """Mirror the customer's primary mobile (the primary phone if it is a mobile, else the
    oldest mobile) on the customer row, for searches, lists and SMS."""
    mobile = (
        CustomerPhone.objects.filter(customer=customer, kind=CustomerPhone.Kind.MOBILE)
        .order_by("-is_primary", "id")
        .values_list("number", flat=True)
        .first()
    ) or ""
    if customer.mobile != mobile:
        customer.mobile = mobile
        Customer.objects.filter(pk=customer.pk).update(mobile=mobile)


def phones_insert(*, customer: Customer, phones: Sequence[PhoneInput]) -> list[CustomerPhone]:
    """Add cleaned phones the customer does not have yet; the first becomes primary if the
    customer has none. Returns the rows added."""
    have = set(CustomerPhone.objects.filter(customer=customer).values_list("number", flat=True))
    has_primary = CustomerPhone.objects.filter(customer=customer, is_primary=True).exists()
    rows: list[CustomerPhone] = []
    for phone in phones:
        if phone.number in have:
            continue
        have.add(phone.number)
        rows.append(
            CustomerPhone(
                customer=customer,
                number=phone.number,
                kind=phone.kind,
                label=phone.label,
                is_primary=not has_primary and not rows,
            )
        )
    CustomerPhone.objects.bulk_create(rows)
    if rows:
        customer_mobile_refresh(customer)
    return rows


def emails_insert(*, customer: Customer, emails: Sequence[str]) -> list[CustomerEmail]:
    have = set(CustomerEmail.objects.filter(customer=customer).values_list("address", flat=True))
    has_primary = CustomerEmail.objects.filter(customer=customer, is_primary=True).exists()
    rows: list[CustomerEmail] = []
    for address in emails:
        if address in have:
            continue
        have.add(address)
        rows.append(
            CustomerEmail(
                customer=customer, address=address, is_primary=not has_primary and not rows
            )
        )
    return CustomerEmail.objects.bulk_create(rows)


def _address_key(address: AddressInput | CustomerAddress) -> tuple[str, str]:
    from core.text import search_key

    return search_key(address.address), address.postal_code


def addresses_insert(
    *, customer: Customer, addresses: Sequence[AddressInput]
) -> list[CustomerAddress]:
    existing = list(CustomerAddress.objects.filter(customer=customer))
    have = {_address_key(row) for row in existing}
    has_primary = any(row.is_primary for row in existing)
    rows: list[CustomerAddress] = []
    for address in addresses:
        key = _address_key(address)
        if key in have:
            continue
        have.add(key)
        rows.append(
            CustomerAddress(
                customer=customer,
                kind=address.kind,
                province=address.province,
                city=address.city,
                address=address.address,
                postal_code=address.postal_code,
                latitude=address.latitude,
                longitude=address.longitude,
                is_primary=not has_primary and not rows,
            )
        )
    return CustomerAddress.objects.bulk_create(rows)


def _locked(customer: Customer) -> Customer:
    from crm.services.customers import _locked_live

    return _locked_live(customer)


def customer_phone_add(
    *, agency: Any, actor: Any, customer: Customer, phone: PhoneInput | str, primary: bool = False
) -> CustomerPhone:
    """Add a phone number (nothing changes if the customer already has it)."""
    schema_require(agency)
    cleaned = phone_clean(phone)
    with agency_write(agency):
        locked = _locked(customer)
        added = phones_insert(customer=locked, phones=[cleaned])
        row = CustomerPhone.objects.get(customer=locked, number=cleaned.number)
        if added:
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.phone_added",
                target=locked,
                changes={"number": (None, row.number)},
            )
        if primary and not row.is_primary:
            _phone_primary_set(agency=agency, actor=actor, customer=locked, phone=row)
    customer.mobile = locked.mobile
    return row


def _phone_primary_set(
    *, agency: Any, actor: Any, customer: Customer, phone: CustomerPhone
) -> None:
    old = CustomerPhone.objects.filter(customer=customer, is_primary=True).first()
    CustomerPhone.objects.filter(customer=customer, is_primary=True).update(is_primary=False)
    CustomerPhone.objects.filter(pk=phone.pk).update(is_primary=True)
    phone.is_primary = True
    customer_mobile_refresh(customer)
    audit_record(
        agency=agency,
        actor=actor,
        action="customer.phone_made_primary",
        target=customer,
        changes={"number": (old.number if old else None, phone.number)},
    )


def customer_phone_make_primary(*, agency: Any, actor: Any, phone: CustomerPhone) -> CustomerPhone:
    with agency_write(agency):
        locked = _locked(phone.customer)
        row = CustomerPhone.objects.get(pk=phone.pk, customer=locked)
        if not row.is_primary:
            _phone_primary_set(agency=agency, actor=actor, customer=locked, phone=row)
    return row


def customer_phone_remove(*, agency: Any, actor: Any, phone: CustomerPhone) -> None:
    """Remove a number; if it was the primary one, the next (a mobile first) takes over."""
    with agency_write(agency):
        locked = _locked(phone.customer)
        row = CustomerPhone.objects.filter(pk=phone.pk, customer=locked).first()
        if row is None:
            return
        row.delete()
        if row.is_primary:
            rest = CustomerPhone.objects.filter(customer=locked).order_by("id")
            following = rest.filter(kind=CustomerPhone.Kind.MOBILE).first() or rest.first()
            if following is not None:
                CustomerPhone.objects.filter(pk=following.pk).update(is_primary=True)
        customer_mobile_refresh(locked)
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.phone_removed",
            target=locked,
            changes={"number": (row.number, None)},
        )


def customer_email_add(*, agency: Any, actor: Any, customer: Customer, email: str) -> CustomerEmail:
    address = email_clean(email)
    with agency_write(agency):
        locked = _locked(customer)
        if emails_insert(customer=locked, emails=[address]):
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.email_added",
                target=locked,
                changes={"address": (None, address)},
            )
        return CustomerEmail.objects.get(customer=locked, address=address)


def customer_email_remove(*, agency: Any, actor: Any, email: CustomerEmail) -> None:
    with agency_write(agency):
        locked = _locked(email.customer)
        row = CustomerEmail.objects.filter(pk=email.pk, customer=locked).first()
        if row is None:
            return
        row.delete()
        if row.is_primary:
            following = CustomerEmail.objects.filter(customer=locked).order_by("id").first()
            if following is not None:
                CustomerEmail.objects.filter(pk=following.pk).update(is_primary=True)
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.email_removed",
            target=locked,
            changes={"address": (row.address, None)},
        )


def customer_address_add(
    *, agency: Any, actor: Any, customer: Customer, address: AddressInput
) -> CustomerAddress:
    """Add a postal address (nothing changes if the same address and postal code exist)."""
    cleaned = address_clean(address)
    with agency_write(agency):
        locked = _locked(customer)
        added = addresses_insert(customer=locked, addresses=[cleaned])
        if added:
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.address_added",
                target=locked,
                changes={"address": (None, cleaned.address)},
            )
            return added[0]
        key = _address_key(cleaned)
        return next(row for row in locked.addresses.all() if _address_key(row) == key)


def customer_address_remove(*, agency: Any, actor: Any, address: CustomerAddress) -> None:
    with agency_write(agency):
        locked = _locked(address.customer)
        row = CustomerAddress.objects.filter(pk=address.pk, customer=locked).first()
        if row is None:
            return
        row.delete()
        if row.is_primary:
            following = CustomerAddress.objects.filter(customer=locked).order_by("id").first()
            if following is not None:
                CustomerAddress.objects.filter(pk=following.pk).update(is_primary=True)
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.address_removed",
            target=locked,
            changes={"address": (row.address, None)},
        )
