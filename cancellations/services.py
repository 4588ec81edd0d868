"""Cancellation (surrender) of a policy (S-2.6, S-8.3; decision 049).

The customer asks from the account: a day from today to the policy's last day and a reason;
the refund is worked out by the line's short-rate table and shown before they confirm. An
operator approves — in one transaction, under row locks on the request and the policy: the
policy ends on that day (``policies.services.ending.policy_end``), the refund is recorded as
due, everything audited; after commit ``policy_cancelled`` tells settlement (a reversal item
in the next daily batch, the commission clawed back on the next statement) and the CRM's
book — or rejects with a reason. Every state change goes through ``ALLOWED_MOVES``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cancellations.models import CancellationRequest, Refund
from cancellations.rules import RefundQuote, refund_quote
from core.audit import audit_record
from core.errors import Conflict
from core.jalali import format_jalali_date, tehran_today
from core.sms.services import sms_queue
from core.templatetags.jalali import rials as rials_text
from policies.claim_checks import policy_has_claim
from policies.models import Policy
from policies.services.ending import policy_end

State = CancellationRequest.State
DECIDE_ROLES = ("operator", "admin")
NOTE_MIN = 5

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    State.PENDING: frozenset({State.APPROVED, State.REJECTED, State.WITHDRAWN}),
    State.APPROVED: frozenset(),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
}


def _move(request: CancellationRequest, to: str) -> str:
    old = request.state
    if to not in ALLOWED_MOVES[old]:
        raise Conflict(
            _("This request is already decided (%(state)s).")
            % {"state": request.get_state_display()},
            code="cancellation_state",
        )
    request.state = to
    return old


def _refuse_policy(policy: Policy, *, customer: Any, today: dt.date) -> None:
    """The refusals that depend on the policy (in Persian)."""
    if customer is not None and policy.customer_id != customer.pk:
        raise PermissionDenied(_("This policy is another customer's."))
    if policy.state == Policy.State.CANCELLED:
        raise Conflict(_("This policy is already cancelled."), code="policy_cancelled")
    if policy.end_date <= today:
        raise Conflict(_("This policy has already ended."), code="policy_expired")


def _refuse_claim(policy: Policy, quote: RefundQuote) -> None:
    if quote.table.refuse_when_claim and policy_has_claim(policy):
        raise Conflict(
            _(
                "This policy has an open or paid claim; by the rules of its line it cannot be "
                "cancelled."
            ),
            code="policy_has_claim",
        )


def _check_day(policy: Policy, last_day: dt.date | None, today: dt.date) -> dt.date:
    if last_day is None:
        raise ValidationError({"last_day": [_("Choose the day the cover should end.")]})
    if last_day < today:
        raise ValidationError({"last_day": [_("The day cannot be in the past.")]})
    if last_day >= policy.end_date:
        raise ValidationError(
            {
                "last_day": [
                    _("Choose a day before the policy ends (%(date)s).")
                    % {"date": format_jalali_date(policy.end_date)}
                ]
            }
        )
    return last_day


def cancellation_quote(*, policy: Policy, customer: Any, last_day: dt.date | None) -> RefundQuote:
    """What cancelling ``policy`` on ``last_day`` would refund (nothing is written); refused
    like the request itself."""
    today = tehran_today()
    _refuse_policy(policy, customer=customer, today=today)
    day = _check_day(policy, last_day, today)
    quote = refund_quote(
        line_code=policy.line.code,
        premium=policy.premium,
        start=policy.start_date,
        end=policy.end_date,
        last_day=day,
    )
    _refuse_claim(policy, quote)
    return quote


def _pending_refusal() -> Conflict:
    return Conflict(
        _("A cancellation request for this policy is already waiting for the insurer."),
        code="cancellation_pending",
    )


def cancellation_request(
    *,
    policy: Policy,
    customer: Any,
    last_day: dt.date | None,
    reason: str,
    note: str = "",
) -> CancellationRequest:
    """The customer's request to end ``policy`` on ``last_day``, with the refund they were
    shown. Refused (nothing written) for another customer's policy, a cancelled or ended one,
    a day outside the period, a claim the line's rule refuses, or a request already waiting."""
    if reason not in CancellationRequest.Reason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    note = " ".join((note or "").split())
    with transaction.atomic():
        locked = (
            Policy.objects.select_for_update(of=("self",)).select_related("line").get(pk=policy.pk)
        )
        quote = cancellation_quote(policy=locked, customer=customer, last_day=last_day)
        if CancellationRequest.objects.filter(policy=locked, state=State.PENDING).exists():
            raise _pending_refusal()
        try:
            with transaction.atomic():
                request = CancellationRequest.objects.create(
                    policy=locked,
                    customer=customer,
                    agency_id=locked.agency_id,
                    last_day=quote.last_day,
                    reason=reason,
                    note=note,
                    table=quote.table,
                    premium=quote.premium,
                    term_days=quote.term_days,
                    days_used=quote.days_used,
                    kept_percent=quote.kept_percent,
                    kept=quote.kept,
                    refund=quote.refund,
                )
        except IntegrityError as error:  # the policy row lock makes this a safety net
            raise _pending_refusal() from error
        audit_record(
            actor=customer,
            action="cancellation.requested",
            target=request,
            changes={
                "state": (None, State.PENDING),
                "last_day": (None, quote.last_day.isoformat()),
                "refund": (None, str(quote.refund)),
            },
            agency_id=locked.agency_id,
        )
    return request


def _refuse_unless_decider(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(*DECIDE_ROLES):
        raise PermissionDenied(_("Only virtual-branch operators decide cancellations."))


def cancellation_approve(*, request: CancellationRequest, actor: Any) -> Refund:
    """Approve: the policy ends on the day asked, the refund is recorded as due. One
    transaction under row locks; refused (nothing changed) when the request is decided
    already, the policy is no longer in force, or a claim arrived that the rule refuses."""
    _refuse_unless_decider(actor)
    with transaction.atomic():
        locked = CancellationRequest.objects.select_for_update().get(pk=request.pk)
        old = _move(locked, State.APPROVED)
        policy = Policy.objects.select_related("line").get(pk=locked.policy_id)
        if policy.state == Policy.State.CANCELLED:
            raise Conflict(_("This policy is already cancelled."), code="policy_cancelled")
        if locked.table.refuse_when_claim and policy_has_claim(policy):
            raise Conflict(
                _(
                    "This policy has an open or paid claim; by the rules of its line it cannot "
                    "be cancelled."
                ),
                code="policy_has_claim",
            )
        policy_end(
            policy_id=policy.pk,
            last_day=locked.last_day,
            refund=locked.refund,
            actor=actor,
            reason=locked.get_reason_display(),
        )
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        refund = Refund.objects.create(
            request=locked, policy=policy, customer_id=locked.customer_id, amount=locked.refund
        )
        audit_record(
            actor=actor,
            action="cancellation.approved",
            target=locked,
            changes={"state": (old, locked.state), "refund": (None, str(refund.amount))},
            agency_id=locked.agency_id,
        )
        audit_record(
            actor=actor,
            action="refund.recorded",
            target=refund,
            changes={"amount": (None, str(refund.amount)), "state": (None, refund.state)},
            agency_id=locked.agency_id,
        )
        sms_queue(
            to=locked.customer.mobile,
            kind="cancellation_approved",
            body=_(
                "Your policy %(number)s is cancelled from %(date)s; a refund of %(amount)s "
                "rials is due to you."
            )
            % {
                "number": policy.number,
                "date": format_jalali_date(locked.last_day),
                "amount": rials_text(refund.amount),
            },
            agency_id=locked.agency_id,
        )
    request.state = locked.state
    return refund


def cancellation_reject(*, request: CancellationRequest, actor: Any, note: str) -> None:
    """Reject with a reason for the customer (at least five characters)."""
    _refuse_unless_decider(actor)
    note = " ".join((note or "").split())
    if len(note) < NOTE_MIN:
        raise ValidationError(
            {"note": [_("Write the reason for the customer (at least 5 characters).")]}
        )
    with transaction.atomic():
        locked = CancellationRequest.objects.select_for_update().get(pk=request.pk)
        old = _move(locked, State.REJECTED)
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="cancellation.rejected",
            target=locked,
            changes={"state": (old, locked.state), "decision_note": (None, note)},
            agency_id=locked.agency_id,
        )
    request.state = locked.state


def cancellation_withdraw(*, request: CancellationRequest, customer: Any) -> None:
    """The customer takes back a request still waiting."""
    with transaction.atomic():
        locked = CancellationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.customer_id != customer.pk:
            raise PermissionDenied(_("This request is another customer's."))
        old = _move(locked, State.WITHDRAWN)
        locked.save(update_fields=["state"])
        audit_record(
            actor=customer,
            action="cancellation.withdrawn",
            target=locked,
            changes={"state": (old, locked.state)},
            agency_id=locked.agency_id,
        )
    request.state = locked.state
