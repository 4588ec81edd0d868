"""Customer care (S-6.6): complaints referred to a member of staff and resolved with a
result; claims followed on the customer (their paid amounts make the loss ratio); gifts
planned by rank band, given, and the customer's response.

Every write runs in the agency's schema (``agency_write``), checks the state inside its
transaction on the locked row, and leaves an audit row with its actor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from crm.models import ClaimRecord, Complaint, Customer, CustomerRank, Gift
from crm.models.book import BookPolicy
from crm.services.base import actor_id, agency_write, audit_record, normalized
from crm.services.cases import member_require

RANK_BANDS = ("A", "B", "C", "D")


def _live(customer: Customer) -> Customer:
    if customer.merged_into_id is not None:
        raise ValidationError({"customer": [_("That customer was merged into another.")]})
    return customer


def _policy_of(customer: Customer, book_policy: BookPolicy | None) -> BookPolicy | None:
    if book_policy is not None and book_policy.customer_id != customer.pk:
        raise ValidationError({"book_policy": [_("This policy is not the customer's.")]})
    return book_policy


def _diff_apply(row: Any, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.items():
        old = getattr(row, name)
        if old != value:
            diff[name] = (old, value)
            setattr(row, name, value)
    return diff


# ---- complaints -----------------------------------------------------------------------


def complaint_create(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    subject: str,
    text: str,
    book_policy: BookPolicy | None = None,
    received_at: dt.datetime | None = None,
) -> Complaint:
    """Record a complaint (شکایت) as the customer made it."""
    subject = normalized(Complaint, "subject", subject or "")
    text = normalized(Complaint, "text", text or "")
    errors = {}
    if not subject:
        errors["subject"] = [_("Write what the complaint is about.")]
    if not text:
        errors["text"] = [_("Write the complaint.")]
    if errors:
        raise ValidationError(errors)
    with agency_write(agency):
        complaint = Complaint.objects.create(
            customer=_live(customer),
            book_policy=_policy_of(customer, book_policy),
            subject=subject,
            text=text,
            received_at=received_at or timezone.now(),
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="complaint.created",
            target=complaint,
            changes={"subject": (None, subject), "customer": (None, customer.pk)},
        )
    return complaint


def _locked_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _complaint_open(complaint: Complaint) -> None:
    if complaint.state in (Complaint.State.RESOLVED, Complaint.State.REJECTED):
        raise Conflict(_("This complaint is closed."), code="complaint_closed")


def complaint_refer(
    *, agency: Any, actor: Any, complaint: Complaint, referred_to_user_id: int
) -> Complaint:
    """Refer an open complaint to a member of staff, who will look into it."""
    with agency_write(agency):
        member_require(agency=agency, user_id=referred_to_user_id, field="referred_to")
        locked = _locked_complaint(complaint)
        _complaint_open(locked)
        if (
            locked.state == Complaint.State.REFERRED
            and locked.referred_to_user_id == referred_to_user_id
        ):
            return locked
        diff = _diff_apply(
            locked,
            {
                "state": Complaint.State.REFERRED,
                "referred_to_user_id": referred_to_user_id,
                "referred_at": timezone.now(),
            },
        )
        locked.save(update_fields=["state", "referred_to_user_id", "referred_at"])
        audit_record(
            agency=agency, actor=actor, action="complaint.referred", target=locked, changes=diff
        )
    return locked


def complaint_record_result(
    *, agency: Any, actor: Any, complaint: Complaint, result: str
) -> Complaint:
    """Write down what was found or done so far, without closing the complaint."""
    result = normalized(Complaint, "result", result or "")
    if not result:
        raise ValidationError({"result": [_("Write the result.")]})
    with agency_write(agency):
        locked = _locked_complaint(complaint)
        _complaint_open(locked)
        diff = _diff_apply(locked, {"result": result})
        if diff:
            locked.save(update_fields=["result"])
            audit_record(
                agency=agency, actor=actor, action="complaint.result", target=locked, changes=diff
            )
    return locked


def complaint_resolve(
    *, agency: Any, actor: Any, complaint: Complaint, result: str, upheld: bool = True
) -> Complaint:
    """Close a complaint with its result: resolved (upheld) or not upheld. The customer may
    then be told the result by SMS (issue 13 reads ``result_sms_at``)."""
    result = normalized(Complaint, "result", result or "")
    if not result:
        raise ValidationError({"result": [_("Write the result.")]})
    state = Complaint.State.RESOLVED if upheld else Complaint.State.REJECTED
    with agency_write(agency):
        locked = _locked_complaint(complaint)
        if locked.state == state and locked.result == result:
            return locked
        _complaint_open(locked)
        diff = _diff_apply(
            locked, {"state": state, "result": result, "resolved_at": timezone.now()}
        )
        locked.save(update_fields=["state", "result", "resolved_at"])
        audit_record(
            agency=agency, actor=actor, action="complaint.resolved", target=locked, changes=diff
        )
    return locked


# ---- claims -----------------------------------------------------------------------------


def _money(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: [_("Write an amount in rials.")]}) from None
    if amount < 0 or amount != amount.to_integral_value():
        raise ValidationError({field: [_("Write an amount in whole rials, not below zero.")]})
    return amount


def _claim_check(fields: dict[str, Any]) -> None:
    state = fields.get("state")
    if state not in ClaimRecord.State.values:
        raise ValidationError({"state": [_("Choose the state of the claim.")]})
    errors: dict[str, list[str]] = {}
    paid_amount, paid_at = fields.get("paid_amount"), fields.get("paid_at")
    if state == ClaimRecord.State.PAID:
        if paid_amount is None:
            errors["paid_amount"] = [_("A paid claim needs the amount paid.")]
        if paid_at is None:
            errors["paid_at"] = [_("A paid claim needs the date it was paid.")]
    if (paid_amount is None) != (paid_at is None):
        errors.setdefault("paid_at", [_("Write both the amount paid and the date.")])
    occurred, filed = fields.get("occurred_on"), fields.get("filed_at")
    if occurred and filed and occurred > filed:
        errors["occurred_on"] = [_("The loss cannot come after the claim was filed.")]
    if filed and paid_at and paid_at < filed:
        errors["paid_at"] = [_("The claim cannot be paid before it was filed.")]
    if errors:
        raise ValidationError(errors)


def claim_create(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    filed_at: dt.date,
    book_policy: BookPolicy | None = None,
    number: str = "",
    description: str = "",
    occurred_on: dt.date | None = None,
    claimed_amount: Any = None,
    paid_amount: Any = None,
    paid_at: dt.date | None = None,
    state: str = ClaimRecord.State.FILED,
) -> ClaimRecord:
    """Record a claim (خسارت) of the customer. Paid amount and date feed the loss ratio."""
    fields = {
        "number": normalized(ClaimRecord, "number", (number or "").strip()),
        "description": normalized(ClaimRecord, "description", description or ""),
        "occurred_on": occurred_on,
        "filed_at": filed_at,
        "claimed_amount": _money(claimed_amount, "claimed_amount"),
        "paid_amount": _money(paid_amount, "paid_amount"),
        "paid_at": paid_at,
        "state": state,
    }
    if filed_at is None:
        raise ValidationError({"filed_at": [_("Write the date the claim was filed.")]})
    _claim_check(fields)
    with agency_write(agency):
        claim = ClaimRecord.objects.create(
            customer=_live(customer),
            book_policy=_policy_of(customer, book_policy),
            created_by_user_id=actor_id(actor),
            **fields,
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="claim.created",
            target=claim,
            changes={name: (None, value) for name, value in fields.items() if value},
        )
    return claim


CLAIM_UPDATABLE = frozenset(
    {
        "number",
        "description",
        "occurred_on",
        "filed_at",
        "claimed_amount",
        "paid_amount",
        "paid_at",
        "state",
        "book_policy",
    }
)


def claim_update(*, agency: Any, actor: Any, claim: ClaimRecord, **changes: Any) -> ClaimRecord:
    """Change a claim as it moves on (assessed, payment ordered, paid with amount and date)."""
    unknown = set(changes) - CLAIM_UPDATABLE
    if unknown:
        raise TypeError(f"claim_update cannot change {sorted(unknown)}")
    for name in ("claimed_amount", "paid_amount"):
        if name in changes:
            changes[name] = _money(changes[name], name)
    for name in ("number", "description"):
        if name in changes:
            changes[name] = normalized(ClaimRecord, name, (changes[name] or "").strip())
    with agency_write(agency):
        locked = ClaimRecord.objects.select_for_update().get(pk=claim.pk)
        if "book_policy" in changes:
            policy = _policy_of(locked.customer, changes.pop("book_policy"))
            changes["book_policy_id"] = policy.pk if policy else None
        merged = {
            name: changes.get(name, getattr(locked, name))
            for name in ("state", "paid_amount", "paid_at", "occurred_on", "filed_at")
        }
        _claim_check(merged)
        diff = _diff_apply(locked, changes)
        if diff:
            locked.save()
            audit_record(
                agency=agency, actor=actor, action="claim.updated", target=locked, changes=diff
            )
    return locked


# ---- gifts ------------------------------------------------------------------------------


def gift_plan(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    kind: str,
    planned_for: dt.date | None = None,
    value: Any = None,
) -> Gift:
    """Plan a gift for one customer; the customer's rank band at the time is kept with it."""
    kind = normalized(Gift, "kind", kind or "")
    if not kind:
        raise ValidationError({"kind": [_("Name the gift.")]})
    amount = _money(value, "value")
    with agency_write(agency):
        band = (
            CustomerRank.objects.filter(customer=customer).values_list("band", flat=True).first()
            or ""
        )
        gift = Gift.objects.create(
            customer=_live(customer),
            kind=kind,
            value=amount,
            planned_for=planned_for,
            planned_band=band,
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="gift.planned",
            target=gift,
            changes={"kind": (None, kind), "band": (None, band)},
        )
    return gift


def gift_plan_for_band(
    *,
    agency: Any,
    actor: Any,
    band: str,
    kind: str,
    planned_for: dt.date | None = None,
    value: Any = None,
    skip_given_since: dt.date | None = None,
) -> int:
    """Plan the same gift for every live customer of a rank band, leaving out those who
    already have this gift planned and, with ``skip_given_since``, those given any gift
    since that day (seed 001: plan by rank and earlier gifts). Returns how many were
    planned; planning again adds nobody twice."""
    if band not in RANK_BANDS:
        raise ValidationError({"band": [_("Choose a rank band.")]})
    kind = normalized(Gift, "kind", kind or "")
    if not kind:
        raise ValidationError({"kind": [_("Name the gift.")]})
    amount = _money(value, "value")
    with agency_write(agency):
        customers = Customer.objects.filter(rank__band=band, merged_into__isnull=True).exclude(
            gifts__kind=kind, gifts__state=Gift.State.PLANNED
        )
        if skip_given_since is not None:
            customers = customers.exclude(
                gifts__state=Gift.State.GIVEN, gifts__given_at__gte=skip_given_since
            )
        ids = list(customers.values_list("pk", flat=True).distinct())
        Gift.objects.bulk_create(
            [
                Gift(
                    customer_id=pk,
                    kind=kind,
                    value=amount,
                    planned_for=planned_for,
                    planned_band=band,
                    created_by_user_id=actor_id(actor),
                )
                for pk in ids
            ],
            batch_size=1000,
        )
        if ids:
            from crm.models import CrmSettings

            audit_record(
                agency=agency,
                actor=actor,
                action="gift.planned_for_band",
                target=CrmSettings.objects.get_or_create(pk=1)[0],
                changes={"band": (None, band), "kind": (None, kind), "customers": (None, len(ids))},
            )
    return len(ids)


def _locked_gift(gift: Gift) -> Gift:
    return Gift.objects.select_for_update().get(pk=gift.pk)


def gift_give(*, agency: Any, actor: Any, gift: Gift, given_at: dt.date | None = None) -> Gift:
    """Record that a planned gift was given (today unless another day is given)."""
    with agency_write(agency):
        locked = _locked_gift(gift)
        if locked.state == Gift.State.GIVEN:
            return locked
        if locked.state == Gift.State.CANCELLED:
            raise Conflict(_("This gift was cancelled."), code="gift_cancelled")
        diff = _diff_apply(
            locked,
            {"state": Gift.State.GIVEN, "given_at": given_at or timezone.localdate()},
        )
        locked.save(update_fields=["state", "given_at"])
        audit_record(agency=agency, actor=actor, action="gift.given", target=locked, changes=diff)
    return locked


def gift_cancel(*, agency: Any, actor: Any, gift: Gift) -> Gift:
    """Drop a planned gift."""
    with agency_write(agency):
        locked = _locked_gift(gift)
        if locked.state == Gift.State.CANCELLED:
            return locked
        if locked.state == Gift.State.GIVEN:
            raise Conflict(_("This gift was given already."), code="gift_given")
        diff = _diff_apply(locked, {"state": Gift.State.CANCELLED})
        locked.save(update_fields=["state"])
        audit_record(
            agency=agency, actor=actor, action="gift.cancelled", target=locked, changes=diff
        )
    return locked


def gift_record_response(
    *, agency: Any, actor: Any, gift: Gift, response: str, note: str = ""
) -> Gift:
    """How the customer took a gift that was given."""
    if response not in Gift.Response.values or not response:
        raise ValidationError({"response": [_("Choose how the customer took the gift.")]})
    note = normalized(Gift, "response_note", note or "")
    with agency_write(agency):
        locked = _locked_gift(gift)
        if locked.state != Gift.State.GIVEN:
            raise Conflict(_("Record the response once the gift is given."), code="gift_not_given")
        diff = _diff_apply(locked, {"response": response, "response_note": note})
        if diff:
            locked.save(update_fields=["response", "response_note"])
            audit_record(
                agency=agency, actor=actor, action="gift.response", target=locked, changes=diff
            )
    return locked
