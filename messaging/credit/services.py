"""Writes on an agency's SMS credit from the panel and the ops host (decision 040).

An online top-up is one ``SmsTopUpPayment`` per attempt. The browser's return from the bank
is only a claim: the server-to-server verification decides, under a lock on the payment row,
for a payment still ``started``; the credit is written in the same transaction with the
payment's own reference, so a second callback, a reload or the reconciliation sweep finds
the payment settled and credits nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.digits import format_number
from core.errors import Unavailable
from core.models import SmsAccount, SmsCreditEntry, SmsTopUpPayment
from core.money import to_rials
from core.payments import get_gateway
from core.payments.base import PaymentGatewayError, PaymentRedirect
from core.sms.credit import CreditError, InsufficientSmsCredit, credit_top_up, sms_account
from core.sms.windows import EARLIEST, LATEST
from tenants.services import AgencyNotActive, agency_require_active

logger = logging.getLogger(__name__)

# What one online top-up may be, in rials (the gateways' own limits are wider).
TOP_UP_MIN = Decimal(100_000)
TOP_UP_MAX = Decimal(1_000_000_000)
# Open attempts are asked about after RECONCILE_AFTER and closed after ABANDON_AFTER
# (as policies' payments: Shaparak returns unverified money within about half an hour).
RECONCILE_AFTER = dt.timedelta(minutes=15)
ABANDON_AFTER = dt.timedelta(minutes=45)
# An automated-message cap above this is a mistake, not a policy.
DAILY_CAP_MAX = 10


class TopUpUnavailable(Unavailable):
    """The gateway could not be reached or refused to start; nothing was paid."""


def _user_label(actor: Any) -> str:
    if getattr(actor, "pk", None) is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def top_up_amount_check(amount: Decimal | int) -> Decimal:
    """The amount of an online top-up, refused in Persian outside TOP_UP_MIN..TOP_UP_MAX."""
    value = to_rials(amount)
    if value < TOP_UP_MIN or value > TOP_UP_MAX:
        raise ValidationError(
            {
                "amount": _("A top-up must be between %(min)s and %(max)s rials.")
                % {"min": format_number(TOP_UP_MIN), "max": format_number(TOP_UP_MAX)}
            },
            code="amount",
        )
    return value


def top_up_payment_start(
    *,
    agency: Any,
    amount: Decimal | int,
    actor: Any,
    callback_url: Callable[[SmsTopUpPayment], str],
    ip_address: str | None = None,
    gateway_name: str | None = None,
) -> tuple[SmsTopUpPayment, PaymentRedirect]:
    """Open an attempt to buy ``amount`` rials of SMS credit and ask the bank for a token.

    Refused (``AgencyNotActive``) for a suspended or pending agency, and (``ValidationError``)
    for an amount out of bounds. Earlier open attempts of the agency stay open: each is
    verified on its own return or by the sweep, and each credits only what it paid."""
    value = top_up_amount_check(amount)
    gateway = get_gateway(gateway_name)
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        payment = SmsTopUpPayment.objects.create(
            agency_id=agency.pk,
            amount=value,
            gateway=gateway.name,
            actor_id=getattr(actor, "pk", None),
            ip_address=ip_address,
        )
        audit_record(
            actor=actor,
            action="sms_credit_payment.started",
            target=payment,
            changes={"state": (None, payment.state), "amount": (None, str(value))},
            agency_id=agency.pk,
            ip_address=ip_address,
        )
    # The bank is called outside any transaction: a slow bank holds no lock.
    try:
        redirect = gateway.start(
            amount=value,
            reference=str(payment.public_id),
            callback_url=callback_url(payment),
            description=_("SMS credit of agency %(code)s") % {"code": agency.code},
            mobile=getattr(actor, "mobile", "") or "",
        )
    except PaymentGatewayError as error:
        SmsTopUpPayment.objects.filter(pk=payment.pk, state=SmsTopUpPayment.State.STARTED).update(
            state=SmsTopUpPayment.State.FAILED, message=f"start refused: {error}"[:300]
        )
        raise TopUpUnavailable(
            _("The payment gateway is not available right now. Please try again in a minute."),
            code="gateway",
        ) from error
    SmsTopUpPayment.objects.filter(pk=payment.pk).update(token=redirect.token)
    payment.token = redirect.token
    return payment, redirect


def top_up_payment_complete(
    *, payment: SmsTopUpPayment, params: Mapping[str, str], ip_address: str | None = None
) -> SmsTopUpPayment:
    """The owner's return from the bank: verify once and credit once. A replayed return
    (the payment is settled), a forged one (not this payment's token) changes nothing."""
    claim = get_gateway(payment.gateway).parse_callback(params)
    return _settle(
        payment=payment,
        token=claim.token,
        claimed_success=claim.succeeded,
        close_unpaid=True,
        ip_address=ip_address,
    )


def top_up_payment_reconcile(
    *, payment: SmsTopUpPayment, abandon_after: dt.timedelta = ABANDON_AFTER
) -> SmsTopUpPayment:
    """Ask the bank about an attempt whose owner never came back: money the bank confirms is
    credited as if they had; an attempt still unpaid after ``abandon_after`` is closed."""
    if payment.state != SmsTopUpPayment.State.STARTED or not payment.token:
        return payment
    return _settle(
        payment=payment,
        token=payment.token,
        claimed_success=False,
        close_unpaid=payment.created_at <= timezone.now() - abandon_after,
        ip_address=None,
    )


def top_ups_to_reconcile(*, older_than: dt.timedelta = RECONCILE_AFTER) -> list[int]:
    """Ids of open attempts whose owners have not come back."""
    return list(
        SmsTopUpPayment.objects.filter(
            state=SmsTopUpPayment.State.STARTED, created_at__lte=timezone.now() - older_than
        )
        .exclude(token="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def _settle(
    *,
    payment: SmsTopUpPayment,
    token: str,
    claimed_success: bool,
    close_unpaid: bool,
    ip_address: str | None,
) -> SmsTopUpPayment:
    gateway = get_gateway(payment.gateway)
    verify_error: PaymentGatewayError | None = None
    with transaction.atomic():
        locked = SmsTopUpPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.state != SmsTopUpPayment.State.STARTED:
            return locked  # settled before: a replayed return or a reload
        if not locked.token or token != locked.token:
            logger.warning("SMS credit payment %s: a return with another token", locked.pk)
            return locked
        now = timezone.now()
        try:
            agency_require_active(agency_id=locked.agency_id)
        except AgencyNotActive:  # not verifying makes the bank give the money back
            _close(
                payment=locked,
                state=SmsTopUpPayment.State.CANCELLED,
                now=now,
                message="agency not active; not verified",
                ip_address=ip_address,
            )
            return locked
        try:
            verification = gateway.verify(token=locked.token, amount=locked.amount)
        except PaymentGatewayError as error:
            # Nothing is known yet: the attempt stays open and is verified again later.
            logger.warning("SMS credit payment %s: verification failed: %s", locked.pk, error)
            SmsTopUpPayment.objects.filter(pk=locked.pk).update(callback_at=now)
            verify_error = error
            verification = None
        if verification is None:
            pass
        elif verification.ok or verification.already_verified:
            locked.state = SmsTopUpPayment.State.SUCCEEDED
            locked.reference = verification.reference
            locked.card_mask = verification.card_mask
            locked.message = verification.message[:300]
            locked.callback_at = locked.verified_at = now
            locked.save()
            audit_record(
                actor=None,
                actor_label=f"gateway:{locked.gateway}",
                action="sms_credit_payment.succeeded",
                target=locked,
                changes={"state": (SmsTopUpPayment.State.STARTED, locked.state)},
                agency_id=locked.agency_id,
                ip_address=ip_address,
            )
            credit_top_up(
                agency_id=locked.agency_id,
                amount=locked.amount,
                actor=_payer(locked),
                kind=SmsCreditEntry.Kind.PAYMENT,
                reference=locked.ledger_reference,
                note=_("Online payment, bank reference %(reference)s")
                % {"reference": locked.reference or "—"},
            )
        elif close_unpaid:
            _close(
                payment=locked,
                state=(
                    SmsTopUpPayment.State.FAILED
                    if claimed_success
                    else SmsTopUpPayment.State.CANCELLED
                ),
                now=now,
                message=f"{verification.code}: {verification.message}",
                ip_address=ip_address,
            )
    if verify_error is not None:
        raise TopUpUnavailable(
            _(
                "The bank did not answer. If money was taken it will be credited or returned "
                "automatically within the hour."
            ),
            code="gateway",
        ) from verify_error
    return locked


def _payer(payment: SmsTopUpPayment) -> Any:
    from accounts.models import User

    return User.objects.filter(pk=payment.actor_id).first() if payment.actor_id else None


def _close(
    *, payment: SmsTopUpPayment, state: str, now: dt.datetime, message: str, ip_address: str | None
) -> None:
    payment.state = state
    payment.message = message[:300]
    payment.callback_at = now
    payment.save(update_fields=["state", "message", "callback_at"])
    audit_record(
        actor=None,
        actor_label=f"gateway:{payment.gateway}",
        action=f"sms_credit_payment.{state}",
        target=payment,
        changes={"state": (SmsTopUpPayment.State.STARTED, state)},
        agency_id=payment.agency_id,
        ip_address=ip_address,
    )


# ---- the insurer's top-ups and adjustments (ops) --------------------------------------------


def ops_credit_record(
    *, agency: Any, amount: Decimal | int, kind: str, note: str, actor: Any
) -> SmsCreditEntry:
    """The insurer adds credit (``top_up``, more than zero) or corrects it (``adjustment``,
    either sign, never below zero). Allowed whatever the agency's status: the insurer's
    bookkeeping goes on while an agency is suspended. Audited with the operator."""
    if kind not in (SmsCreditEntry.Kind.TOP_UP, SmsCreditEntry.Kind.ADJUSTMENT):
        raise ValidationError({"kind": _("Choose a top-up or an adjustment.")}, code="kind")
    value = to_rials(amount)
    if value == 0:
        raise ValidationError({"amount": _("The amount may not be zero.")}, code="amount")
    if not note.strip():
        raise ValidationError({"note": _("Say why, for the record.")}, code="note")
    try:
        return credit_top_up(agency_id=agency.pk, amount=value, actor=actor, kind=kind, note=note)
    except InsufficientSmsCredit as error:
        raise ValidationError(
            {
                "amount": _(
                    "The credit is %(balance)s rials: an adjustment may not take it below zero."
                )
                % {"balance": format_number(error.balance)}
            },
            code="below_zero",
        ) from error
    except CreditError as error:
        raise ValidationError({"amount": str(error)}, code="amount") from error


# ---- the agency's sending settings ----------------------------------------------------------


def sms_settings_update(
    *,
    agency: Any,
    actor: Any,
    window_start: dt.time,
    window_end: dt.time,
    automated_daily_cap: int,
) -> SmsAccount:
    """The promotional window (Tehran time, inside 07:00-22:00) and how many automated
    messages a customer may get a day. Refused for a stopped agency; audited."""
    errors: dict[str, str] = {}
    if window_start < EARLIEST or window_start > LATEST:
        errors["window_start"] = _("The window may open from 07:00 to 22:00.")
    if window_end < EARLIEST or window_end > LATEST:
        errors["window_end"] = _("The window may close from 07:00 to 22:00.")
    if not errors and window_start >= window_end:
        errors["window_end"] = _("The window must close after it opens.")
    if not 1 <= automated_daily_cap <= DAILY_CAP_MAX:
        errors["automated_daily_cap"] = _("Choose from 1 to %(max)s messages a day.") % {
            "max": format_number(DAILY_CAP_MAX)
        }
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        sms_account(agency.pk)
        account = SmsAccount.objects.select_for_update().get(agency_id=agency.pk)
        changes = {
            name: (str(getattr(account, name)), str(value))
            for name, value in (
                ("window_start", window_start),
                ("window_end", window_end),
                ("automated_daily_cap", automated_daily_cap),
            )
            if getattr(account, name) != value
        }
        if not changes:
            return account
        account.window_start = window_start
        account.window_end = window_end
        account.automated_daily_cap = automated_daily_cap
        account.save(
            update_fields=["window_start", "window_end", "automated_daily_cap", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="sms_settings.updated",
            target=account,
            changes=changes,
            agency_id=agency.pk,
        )
    return account
