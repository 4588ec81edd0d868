"""Each agency's SMS credit, in rials (S-6.3).

The balance lives in one row per agency (``SmsAccount``) and every movement in the ledger
(``SmsCreditEntry``), written in the same transaction. A charge is one conditional
``UPDATE … WHERE balance >= amount``: two sends racing for the last rials cannot both pass,
and a send the credit does not cover is refused before anything is queued.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.models import SmsAccount, SmsCreditEntry
from core.money import format_rials, to_rials


class InsufficientSmsCredit(Exception):
    """The agency's credit does not cover a send; nothing was queued."""

    def __init__(self, *, needed: Decimal, balance: Decimal) -> None:
        self.needed, self.balance = needed, balance
        super().__init__(
            _(
                "Not enough SMS credit: this send costs %(needed)s rials and the credit is "
                "%(balance)s rials. Top up the credit first."
            )
            % {"needed": format_rials(needed), "balance": format_rials(balance)}
        )


class CreditError(ValueError):
    """A top-up or an adjustment that cannot be recorded (told to the user)."""


def sms_account(agency_id: int) -> SmsAccount:
    """The agency's account, created on first use."""
    account, _created = SmsAccount.objects.get_or_create(agency_id=agency_id)
    return account


def credit_balance(agency_id: int) -> Decimal:
    value = SmsAccount.objects.filter(agency_id=agency_id).values_list("balance", flat=True).first()
    return value if value is not None else Decimal(0)


def _move(
    *,
    agency_id: int,
    amount: Decimal,
    kind: str,
    require_cover: bool,
    messages: int = 0,
    parts: int = 0,
    source: str = "",
    reference: str = "",
    note: str = "",
    actor_id: int | None = None,
    actor_label: str = "",
) -> SmsCreditEntry:
    """Add ``amount`` (negative: spend) to the balance and write its ledger entry."""
    with transaction.atomic():
        sms_account(agency_id)
        with connection.cursor() as cursor:
            if require_cover:
                cursor.execute(
                    "UPDATE core_smsaccount SET balance = balance + %s, updated_at = now() "
                    "WHERE agency_id = %s AND balance + %s >= 0 RETURNING balance",
                    [amount, agency_id, amount],
                )
            else:
                cursor.execute(
                    "UPDATE core_smsaccount SET balance = GREATEST(balance + %s, 0), "
                    "updated_at = now() WHERE agency_id = %s RETURNING balance",
                    [amount, agency_id],
                )
            row = cursor.fetchone()
        if row is None:
            raise InsufficientSmsCredit(needed=-amount, balance=credit_balance(agency_id))
        return SmsCreditEntry.objects.create(
            agency_id=agency_id,
            kind=kind,
            amount=amount,
            balance_after=row[0],
            messages=messages,
            parts=parts,
            source=source[:60],
            reference=reference,
            note=note[:300],
            actor_id=actor_id,
            actor_label=actor_label[:150],
        )


def credit_charge(
    *,
    agency_id: int,
    amount: Decimal,
    messages: int,
    parts: int,
    source: str,
    actor_id: int | None = None,
    actor_label: str = "",
) -> SmsCreditEntry | None:
    """Spend ``amount`` for a send; ``InsufficientSmsCredit`` when the credit is short."""
    amount = to_rials(amount)
    if amount <= 0:
        return None
    return _move(
        agency_id=agency_id,
        amount=-amount,
        kind=SmsCreditEntry.Kind.CHARGE,
        require_cover=True,
        messages=messages,
        parts=parts,
        source=source,
        actor_id=actor_id,
        actor_label=actor_label,
    )


def credit_refund(
    *, agency_id: int, amount: Decimal, messages: int, parts: int, source: str = ""
) -> SmsCreditEntry | None:
    """Give back what refused messages cost (the caller marks them refunded in the same
    transaction, so each is refunded once)."""
    amount = to_rials(amount)
    if amount <= 0:
        return None
    return _move(
        agency_id=agency_id,
        amount=amount,
        kind=SmsCreditEntry.Kind.REFUND,
        require_cover=False,
        messages=messages,
        parts=parts,
        source=source,
    )


def credit_top_up(
    *,
    agency_id: int,
    amount: Decimal | int,
    actor: Any = None,
    kind: str = SmsCreditEntry.Kind.TOP_UP,
    reference: str = "",
    note: str = "",
) -> SmsCreditEntry:
    """Add credit (the insurer's top-up, an online payment or an adjustment). With a
    ``reference`` (a payment's), a second call records nothing and returns the first entry."""
    amount = to_rials(amount)
    if kind != SmsCreditEntry.Kind.ADJUSTMENT and amount <= 0:
        raise CreditError(_("The amount must be more than zero."))
    if reference:
        existing = SmsCreditEntry.objects.filter(agency_id=agency_id, reference=reference).first()
        if existing is not None:
            return existing
    actor_id = getattr(actor, "pk", None)
    label = (actor.get_full_name() or actor.get_username()) if actor_id else ""
    try:
        with transaction.atomic():
            entry = _move(
                agency_id=agency_id,
                amount=amount,
                kind=kind,
                require_cover=amount < 0,
                reference=reference,
                note=note,
                actor_id=actor_id,
                actor_label=label,
            )
    except IntegrityError:
        if not reference:
            raise
        return SmsCreditEntry.objects.get(agency_id=agency_id, reference=reference)
    from core.audit import audit_record

    audit_record(
        actor=actor if actor_id else None,
        actor_label=label or "system",
        action=f"sms_credit.{kind}",
        target=entry,
        changes={"balance": (entry.balance_after - amount, entry.balance_after)},
        agency_id=agency_id,
    )
    return entry
