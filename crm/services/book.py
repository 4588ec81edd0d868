"""The agency's book (S-6.2): policies its customers hold with other insurers — added,
changed and cancelled here — and the delivery details and free fields of every policy.

A policy sold here (``origin=ledger``) is kept by the ledger sync (:mod:`crm.services.ledger`):
only its delivery details and free fields change here. Imports are in
:mod:`crm.services.book_import`, quotes turned into prospects in :mod:`crm.services.book_quote`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.money import to_rials
from core.text import normalize_identifier
from crm.models import BookPolicy, CrmSettings, Customer, CustomerAddress, Marketer
from crm.selectors.book import OTHER_INSURER, insurer_choices
from crm.services.base import actor_id, agency_write, audit_record, normalized
from crm.services.customers import _locked_live
from policies.models import Line

DELIVERY_FIELDS = frozenset(
    {
        "delivery_method",
        "delivery_date",
        "delivery_time",
        "delivery_address",
        "delivery_address_text",
    }
)
FREE_FIELDS = frozenset({"extra_1", "extra_2", "extra_3", "extra_4"})
# What may change on a policy sold here: the ledger keeps the rest.
LEDGER_UPDATABLE = DELIVERY_FIELDS | FREE_FIELDS
# What a person enters of another insurer's policy, in the form's order.
OTHER_POLICY_FIELDS = (
    "insurer_code",
    "insurer_name",
    "line_code",
    "number",
    "issued_on",
    "start_date",
    "end_date",
    "premium",
    "subject",
    "plate",
)
# What may change on another insurer's policy.
OTHER_UPDATABLE = LEDGER_UPDATABLE | {*OTHER_POLICY_FIELDS, "marketer", "notes"}


def premium_clean(value: object) -> Decimal | None:
    """A premium in whole rials, or None when empty; ``ValueError`` when not a number."""
    if value is None or value == "":
        return None
    try:
        return to_rials(value if isinstance(value, (Decimal, int)) else Decimal(str(value)))
    except (InvalidOperation, TypeError) as error:
        raise ValueError(str(value)) from error


def other_policy_errors(
    *,
    insurer_code: str,
    insurer_name: str,
    line_code: str,
    number: str,
    start_date: dt.date | None,
    end_date: dt.date | None,
    premium: Decimal | None,
    insurers: Collection[str],
    lines: Collection[str],
) -> dict[str, str]:
    """What is wrong with another insurer's policy, field → Persian message (empty: good).
    ``insurers`` and ``lines`` are the codes of the quote form's insurers and the catalogue's
    lines, read once by the caller (an import checks thousands of rows against them)."""
    errors: dict[str, str] = {}
    if insurer_code not in insurers:
        errors["insurer_code"] = _("Choose the insurer from the list.")
    elif insurer_code == OTHER_INSURER and not insurer_name:
        errors["insurer_name"] = _("Enter the other insurer's name.")
    if line_code not in lines:
        errors["line_code"] = _("Choose a line of insurance from the catalogue.")
    if not number:
        errors["number"] = _("Enter the policy number.")
    if end_date is None:
        errors["end_date"] = _("Enter the expiry date.")
    elif start_date is not None and end_date < start_date:
        errors["end_date"] = _("The expiry date cannot be before the start date.")
    if premium is not None and premium < 0:
        errors["premium"] = _("The premium cannot be negative.")
    return errors


def _duplicate() -> ValidationError:
    return ValidationError(
        {"number": [_("This policy of this insurer and line is already in the book.")]},
        code="duplicate_policy",
    )


def _check_delivery(customer: Customer, fields: dict[str, Any]) -> None:
    method = fields.get("delivery_method", "")
    if method and method not in BookPolicy.Delivery.values:
        raise ValidationError({"delivery_method": [_("Choose how the policy is delivered.")]})
    address = fields.get("delivery_address")
    if address is not None and address.customer_id != customer.pk:
        raise ValidationError(
            {"delivery_address": [_("The delivery address is not one of the customer's.")]}
        )


def _insurer_fields(fields: dict[str, Any]) -> None:
    """One spelling of the insurer: a listed one by its code alone (so that the same policy
    typed twice is caught by the unique key), "other" with the name typed."""
    if fields.get("insurer_code") != OTHER_INSURER:
        fields["insurer_name"] = ""


def other_policy_create(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    insurer_code: str,
    line_code: str,
    number: str,
    end_date: dt.date | None,
    insurer_name: str = "",
    start_date: dt.date | None = None,
    issued_on: dt.date | None = None,
    premium: Decimal | int | str | None = None,
    subject: str = "",
    plate: str = "",
    marketer: Marketer | None = None,
    delivery_method: str = "",
    delivery_date: dt.date | None = None,
    delivery_time: dt.time | None = None,
    delivery_address: CustomerAddress | None = None,
    delivery_address_text: str = "",
    extra_1: str = "",
    extra_2: str = "",
    extra_3: str = "",
    extra_4: str = "",
    notes: str = "",
    quote_id: int | None = None,
) -> BookPolicy:
    """Record a policy ``customer`` holds with another insurer, so that its expiry is chased.

    Refused (Persian field errors) without a listed insurer (or a name for "other"), a line
    of the catalogue, a number and an expiry date, with the expiry before the start, a
    negative premium, or when the insurer's policy of that line and number is already in the
    book."""
    try:
        premium_value = premium_clean(premium)
    except ValueError:
        raise ValidationError({"premium": [_("Enter the premium in rials.")]}) from None
    fields: dict[str, Any] = {
        "insurer_code": insurer_code,
        "insurer_name": normalized(BookPolicy, "insurer_name", insurer_name),
        "line_code": line_code,
        "number": normalize_identifier(number) if number else "",
        "issued_on": issued_on,
        "start_date": start_date,
        "end_date": end_date,
        "premium": premium_value,
        "subject": subject,
        "plate": plate,
        "marketer": marketer,
        "delivery_method": delivery_method,
        "delivery_date": delivery_date,
        "delivery_time": delivery_time,
        "delivery_address": delivery_address,
        "delivery_address_text": delivery_address_text,
        "extra_1": extra_1,
        "extra_2": extra_2,
        "extra_3": extra_3,
        "extra_4": extra_4,
        "notes": notes,
    }
    _insurer_fields(fields)
    errors = other_policy_errors(
        **{
            key: fields[key]
            for key in (
                "insurer_code",
                "insurer_name",
                "line_code",
                "number",
                "start_date",
                "end_date",
            )
        },
        premium=premium_value,
        insurers={code for code, _name in insurer_choices()},
        lines=set(Line.objects.filter(code=line_code).values_list("code", flat=True)),
    )
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    _check_delivery(customer, fields)
    with agency_write(agency):
        locked = _locked_live(customer)
        policy = BookPolicy(
            customer=locked,
            origin=BookPolicy.Origin.OTHER,
            quote_id=quote_id,
            created_by_user_id=actor_id(actor),
            **fields,
        )
        try:
            with transaction.atomic():  # a savepoint: the unique (insurer, line, number)
                policy.save()
        except IntegrityError as error:
            if "crm_book_unique_other_number" in str(error):
                raise _duplicate() from None
            raise
        audit_record(
            agency=agency,
            actor=actor,
            action="book.added",
            target=policy,
            changes={
                "customer": (None, locked.pk),
                "insurer_code": (None, policy.insurer_name or policy.insurer_code),
                "number": (None, policy.number),
                "end_date": (None, policy.end_date),
            },
        )
    return policy


def book_policy_update(*, agency: Any, actor: Any, policy: BookPolicy, **fields: Any) -> BookPolicy:
    """Change a policy of the book. Another insurer's: its details, delivery and free
    fields; one sold here: only its delivery details and free fields (the ledger keeps the
    rest, and a change there would be overwritten). Every change is audited."""
    unknown = set(fields) - OTHER_UPDATABLE
    if unknown:
        raise TypeError(f"book_policy_update cannot change {sorted(unknown)}")
    with agency_write(agency):
        locked = BookPolicy.objects.select_for_update().select_related("customer").get(pk=policy.pk)
        if locked.origin == BookPolicy.Origin.LEDGER and set(fields) - LEDGER_UPDATABLE:
            raise Conflict(
                _(
                    "A policy sold here changes only in its delivery details and free "
                    "fields; the rest comes from the policy issued."
                ),
                code="ledger_policy_read_only",
            )
        if "premium" in fields:
            try:
                fields["premium"] = premium_clean(fields["premium"])
            except ValueError:
                raise ValidationError({"premium": [_("Enter the premium in rials.")]}) from None
        if "number" in fields:
            fields["number"] = normalize_identifier(fields["number"]) if fields["number"] else ""
        changes: dict[str, tuple[Any, Any]] = {}
        for field, value in fields.items():
            value = normalized(BookPolicy, field, value)
            old = getattr(locked, field)
            if old != value:
                changes[field] = (old, value)
                setattr(locked, field, value)
        if locked.origin == BookPolicy.Origin.OTHER:
            if locked.insurer_code != OTHER_INSURER and locked.insurer_name:
                changes["insurer_name"] = (locked.insurer_name, "")
                locked.insurer_name = ""
            errors = other_policy_errors(
                insurer_code=locked.insurer_code,
                insurer_name=locked.insurer_name,
                line_code=locked.line_code,
                number=locked.number,
                start_date=locked.start_date,
                end_date=locked.end_date,
                premium=locked.premium,
                insurers={code for code, _name in insurer_choices()},
                lines=set(
                    Line.objects.filter(code=locked.line_code).values_list("code", flat=True)
                ),
            )
            if errors:
                raise ValidationError({field: [message] for field, message in errors.items()})
        _check_delivery(
            locked.customer,
            {
                "delivery_method": locked.delivery_method,
                "delivery_address": locked.delivery_address,
            },
        )
        if not changes:
            return locked
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as error:
            if "crm_book_unique_other_number" in str(error):
                raise _duplicate() from None
            raise
        audit_record(
            agency=agency, actor=actor, action="book.updated", target=locked, changes=changes
        )
    return locked


def other_policy_cancel(*, agency: Any, actor: Any, policy: BookPolicy) -> BookPolicy:
    """Mark another insurer's policy cancelled (it is no longer chased). A policy sold here
    is cancelled through the ledger; a cancelled one stays as it is."""
    with agency_write(agency):
        locked = BookPolicy.objects.select_for_update().get(pk=policy.pk)
        if locked.origin != BookPolicy.Origin.OTHER:
            raise Conflict(
                _("A policy sold here is cancelled through the insurer, not in the book."),
                code="ledger_policy_read_only",
            )
        if locked.state == BookPolicy.State.CANCELLED:
            raise Conflict(_("This policy is already cancelled."), code="already_cancelled")
        before = locked.state
        locked.state = BookPolicy.State.CANCELLED
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="book.cancelled",
            target=locked,
            changes={"state": (before, locked.state)},
        )
    return locked


def book_free_fields_name(*, agency: Any, actor: Any, labels: Sequence[str]) -> CrmSettings:
    """Name the book's four free fields (an empty name hides the field)."""
    if len(labels) != 4:
        raise TypeError("four names, one per free field")
    with agency_write(agency):
        settings = CrmSettings.objects.select_for_update().get(pk=1)
        changes: dict[str, tuple[Any, Any]] = {}
        for number, label in enumerate(labels, start=1):
            field = f"book_extra_{number}_label"
            value = normalized(CrmSettings, field, label or "")
            old = getattr(settings, field)
            if old != value:
                changes[field] = (old, value)
                setattr(settings, field, value)
        if changes:
            settings.save(update_fields=[*changes, "updated_at"])
            audit_record(
                agency=agency,
                actor=actor,
                action="book.free_fields_named",
                target=settings,
                changes=changes,
            )
    return settings
