"""Cheques, promissory notes and debit notes of customers (S-6.7): create, change, and move
through their states (due → cleared / bounced / returned; a bounced cheque may still be
cleared or returned later). Amounts are whole rials in ``Decimal``; every write is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.digits import number_text
from core.errors import Conflict
from core.money import to_rials
from core.text import normalize_identifier
from crm.models import BookPolicy, Customer, Instrument
from crm.services.base import actor_id, agency_write, audit_record, normalized

State = Instrument.State

# Where each state may go. Cleared and returned are final; a bounced cheque can be paid
# late (cleared) or handed back (returned).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DUE: frozenset({State.CLEARED, State.BOUNCED, State.RETURNED}),
    State.BOUNCED: frozenset({State.CLEARED, State.RETURNED}),
    State.CLEARED: frozenset(),
    State.RETURNED: frozenset(),
}

# What ``instrument_update`` may change; amount, due date, kind and Sayad id only while due.
UPDATABLE_FIELDS = frozenset(
    {
        "kind",
        "amount",
        "due_date",
        "bank_name",
        "branch_name",
        "number",
        "sayad_id",
        "drawer_name",
        "notes",
        "book_policy",
    }
)
FIXED_ONCE_SETTLED = frozenset({"kind", "amount", "due_date", "sayad_id"})


def amount_clean(value: object) -> Decimal:
    """A positive whole number of rials from a ``Decimal``, an int or text in any digits
    (thousands separators allowed); floats are refused."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; use Decimal or int.")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(number_text(value))
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValidationError({"amount": [_("Enter the amount in rials.")]}) from error
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise ValidationError({"amount": [_("Enter the amount in whole rials.")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    return to_rials(amount)


def sayad_id_clean(value: object) -> str:
    """A Sayad id (شناسه صیادی) as 16 Latin digits, or empty; Persian digits, spaces and
    dashes are accepted."""
    text = normalize_identifier(str(value or "")).replace("-", "")
    if text and (len(text) != 16 or not text.isdigit()):
        raise ValidationError({"sayad_id": [_("The Sayad id is 16 digits.")]})
    return text


def _check_kind(kind: str) -> None:
    if kind not in Instrument.Kind.values:
        raise ValidationError(
            {"kind": [_("Choose whether it is a cheque, a note or a debit note.")]}
        )


def _check_policy(customer: Customer, book_policy: BookPolicy | None) -> None:
    if book_policy is not None and book_policy.customer_id != customer.pk:
        raise ValidationError({"book_policy": [_("This policy is not the customer's.")]})


def _sayad_taken() -> ValidationError:
    return ValidationError({"sayad_id": [_("A cheque with this Sayad id is already registered.")]})


def _sayad_in_use(sayad_id: str, *, other_than: int | None = None) -> bool:
    if not sayad_id:
        return False
    found = Instrument.objects.filter(sayad_id=sayad_id)
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.exists()


def instrument_create(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    kind: str,
    amount: object,
    due_date: dt.date,
    bank_name: str = "",
    branch_name: str = "",
    number: str = "",
    sayad_id: str = "",
    drawer_name: str = "",
    notes: str = "",
    book_policy: BookPolicy | None = None,
) -> Instrument:
    """Record a cheque, promissory note or debit note of ``customer``, due on ``due_date``."""
    _check_kind(kind)
    cleaned_amount = amount_clean(amount)
    cleaned_sayad = sayad_id_clean(sayad_id)
    if due_date is None:
        raise ValidationError({"due_date": [_("Enter the due date.")]})
    with agency_write(agency):
        if not customer.is_live:
            raise Conflict(_("This customer was merged into another; use the one kept."))
        _check_policy(customer, book_policy)
        if _sayad_in_use(cleaned_sayad):
            raise _sayad_taken()
        instrument = Instrument(
            customer=customer,
            book_policy=book_policy,
            kind=kind,
            amount=cleaned_amount,
            due_date=due_date,
            bank_name=bank_name,
            branch_name=branch_name,
            number=normalize_identifier(number) if number else "",
            sayad_id=cleaned_sayad,
            drawer_name=drawer_name,
            notes=notes,
            created_by_user_id=actor_id(actor),
        )
        try:
            with transaction.atomic():
                instrument.save()
        except IntegrityError as error:  # the same Sayad id entered at the same moment
            raise _sayad_taken() from error
        audit_record(
            agency=agency,
            actor=actor,
            action="instrument.created",
            target=instrument,
            changes={
                "kind": (None, kind),
                "amount": (None, cleaned_amount),
                "due_date": (None, due_date),
            },
        )
    return instrument


def _locked(instrument: Instrument) -> Instrument:
    return Instrument.objects.select_for_update().get(pk=instrument.pk)


def instrument_update(
    *, agency: Any, actor: Any, instrument: Instrument, **fields: Any
) -> Instrument:
    """Change an instrument's details (``UPDATABLE_FIELDS``); the amount, due date, kind and
    Sayad id are fixed once it has left the "due" state. Every change is audited."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"instrument_update cannot change {sorted(unknown)}")
    if "kind" in fields:
        _check_kind(fields["kind"])
    if "amount" in fields:
        fields["amount"] = amount_clean(fields["amount"])
    if "sayad_id" in fields:
        fields["sayad_id"] = sayad_id_clean(fields["sayad_id"])
    if fields.get("number"):
        fields["number"] = normalize_identifier(fields["number"])
    if "due_date" in fields and fields["due_date"] is None:
        raise ValidationError({"due_date": [_("Enter the due date.")]})
    with agency_write(agency):
        locked = _locked(instrument)
        changes: dict[str, tuple[Any, Any]] = {}
        for field, value in fields.items():
            value = normalized(Instrument, field, value)
            old = getattr(locked, field)
            if old != value:
                changes[field] = (
                    (getattr(old, "pk", old), getattr(value, "pk", value))
                    if field == "book_policy"
                    else (old, value)
                )
                setattr(locked, field, value)
        if not changes:
            return locked
        if locked.state != State.DUE and FIXED_ONCE_SETTLED & set(changes):
            raise Conflict(
                _("The amount, due date, kind and Sayad id cannot change once it is settled.")
            )
        if "book_policy" in changes:
            _check_policy(locked.customer, locked.book_policy)
        if "sayad_id" in changes and _sayad_in_use(locked.sayad_id, other_than=locked.pk):
            raise _sayad_taken()
        try:
            with transaction.atomic():
                locked.save(update_fields=list(changes))
        except IntegrityError as error:
            raise _sayad_taken() from error
        audit_record(
            agency=agency, actor=actor, action="instrument.updated", target=locked, changes=changes
        )
    return locked


def instrument_transition(
    *, agency: Any, actor: Any, instrument: Instrument, state: str
) -> Instrument:
    """Move an instrument to ``state`` if ``TRANSITIONS`` allows it from where it is now
    (read under a row lock, so two people cannot both move it); only a cheque bounces.
    Moving to the state it is already in changes nothing."""
    if state not in State.values:
        raise ValidationError({"state": [_("Choose a state.")]})
    with agency_write(agency):
        locked = _locked(instrument)
        if locked.state == state:
            return locked
        if state not in TRANSITIONS[locked.state]:
            raise Conflict(
                _("A %(kind)s that is “%(old)s” cannot become “%(new)s”.")
                % {
                    "kind": locked.get_kind_display(),
                    "old": locked.get_state_display(),
                    "new": State(state).label,
                },
                code="invalid_transition",
            )
        if state == State.BOUNCED and locked.kind != Instrument.Kind.CHEQUE:
            raise Conflict(_("Only a cheque can bounce."), code="invalid_transition")
        old = locked.state
        locked.state = state
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="instrument.state_changed",
            target=locked,
            changes={"state": (old, state)},
        )
    return locked
