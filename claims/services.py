"""Every write of a claim (decision 048): filing, documents, and the moves of its state.

A state changes only through ``MOVES`` under the claim's row lock, with an audit row naming the
actor and a timeline event, in one transaction. The SMS on filing and on the payment order
are queued in the transaction of the move that happens once; the CRM record of a paid claim is
a tenant task sent after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import DEFAULT_LINE, ChecklistItem, Claim, ClaimDocument, ClaimEvent
from core.audit import audit_record
from core.errors import Conflict
from core.jalali import tehran
from core.queue import enqueue_on_commit
from core.sms.services import sms_queue
from core.text import normalize_text
from policies.models import Policy
from policies.services.orders import document_check
from tenants.models import Agency

State = Claim.State

# The allowed moves: from a state, the states a claim may go to.
MOVES: dict[str, frozenset[str]] = {
    State.FILED: frozenset({State.DOCUMENTS_COMPLETE, State.REJECTED}),
    State.DOCUMENTS_COMPLETE: frozenset({State.FILED, State.ASSESSOR_ASSIGNED, State.REJECTED}),
    State.ASSESSOR_ASSIGNED: frozenset({State.ASSESSED, State.REJECTED}),
    State.ASSESSED: frozenset({State.APPROVED, State.REJECTED}),
    State.APPROVED: frozenset({State.PAYMENT_ORDERED}),
    State.PAYMENT_ORDERED: frozenset({State.PAID}),
    State.REJECTED: frozenset(),
    State.PAID: frozenset(),
}
# Two claims on one policy whose events are closer than this are the same event.
SAME_EVENT_WINDOW = dt.timedelta(hours=24)
# Reminders of missing documents: at most this many, this far apart.
MAX_REMINDERS = 3
REMINDER_INTERVAL = dt.timedelta(days=2)
# Whose documents the customer may still add.
OPEN_FOR_DOCUMENTS = (State.FILED, State.DOCUMENTS_COMPLETE)
CLAIM_ROLES = ("operator", "branch_manager", "admin")


def checklist_for(*, line_code: str) -> list[ChecklistItem]:
    """The documents a claim of the line asks for (the default list if it has none)."""
    items = list(ChecklistItem.objects.filter(line_code__in=[line_code, DEFAULT_LINE]))
    own = [item for item in items if item.line_code == line_code]
    return own or [item for item in items if item.line_code == DEFAULT_LINE]


def documents_missing(*, claim: Claim) -> list[ChecklistItem]:
    """The required documents of the claim's checklist not uploaded yet."""
    have = set(claim.documents.values_list("kind", flat=True))
    return [
        item
        for item in checklist_for(line_code=claim.line.code)
        if item.required and item.code not in have
    ]


def policy_claimable(policy: Policy, today: dt.date) -> bool:
    """Whether a claim may be filed on the policy today, from its own fields (no query):
    in force, started, not past its end."""
    return (
        policy.state == Policy.State.ACTIVE
        and policy.start_date <= today
        and today <= policy.end_date
    )


def _event(claim: Claim, *, event: str, actor: Any, note: str = "") -> None:
    ClaimEvent.objects.create(
        claim=claim,
        state=claim.state,
        event=event,
        note=note,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def claim_file(
    *,
    policy: Policy,
    customer: Any,
    occurred_at: dt.datetime,
    province: str,
    city: str,
    place: str,
    description: str,
    ip_address: str | None = None,
) -> Claim:
    """File a claim on the customer's policy. Refused (in Persian) for someone else's
    policy, a cancelled or expired one, an event outside the policy's period or in the
    future, and a second claim for the same event (same policy, events within
    ``SAME_EVENT_WINDOW``: decided under the policy's row lock)."""
    if policy.customer_id != getattr(customer, "pk", None):
        raise ValidationError(_("This policy is not yours."), code="not_owner")
    fields = {
        "province": normalize_text(province),
        "city": normalize_text(city),
        "place": normalize_text(place),
        "description": normalize_text(description, multiline=True),
    }
    errors = {name: [_("This field is required.")] for name, value in fields.items() if not value}
    if errors:
        raise ValidationError(errors)
    if timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be aware")
    now = timezone.now()
    today = now.astimezone(tehran()).date()
    event_day = occurred_at.astimezone(tehran()).date()
    with transaction.atomic():
        locked = Policy.objects.select_for_update().select_related("line").get(pk=policy.pk)
        if locked.state == Policy.State.CANCELLED:
            raise Conflict(_("This policy has been cancelled; no claim can be filed on it."))
        if today > locked.end_date:
            raise Conflict(_("This policy has expired; no claim can be filed on it."))
        if occurred_at > now:
            raise ValidationError(
                {"occurred_at": [_("The time of the event cannot be in the future.")]}
            )
        if not (locked.start_date <= event_day <= locked.end_date):
            raise ValidationError(
                {"occurred_at": [_("The event happened outside the policy's period.")]}
            )
        duplicate = (
            Claim.objects.filter(
                policy=locked,
                occurred_at__gt=occurred_at - SAME_EVENT_WINDOW,
                occurred_at__lt=occurred_at + SAME_EVENT_WINDOW,
            )
            .exclude(state=State.REJECTED)
            .first()
        )
        if duplicate is not None:
            raise Conflict(
                _("A claim for this event on this policy is already filed (%(number)s).")
                % {"number": duplicate.number}
            )
        order = locked.order
        claim = Claim.objects.create(
            number=f"T{uuid.uuid4().hex[:12]}",
            policy=locked,
            line=locked.line,
            agency_id=locked.agency_id,
            customer=customer,
            insured_name=f"{order.insured_first_name} {order.insured_last_name}".strip(),
            mobile=customer.mobile,
            occurred_at=occurred_at,
            **fields,
        )
        claim.number = f"C{locked.jalali_year}{claim.pk:07d}"
        Claim.objects.filter(pk=claim.pk).update(number=claim.number)
        _event(claim, event="filed", actor=customer)
        audit_record(
            actor=customer,
            action="claims.filed",
            target=claim,
            changes={"state": (None, claim.state), "policy": (None, locked.number)},
            agency_id=claim.agency_id,
            ip_address=ip_address,
        )
        sms_queue(
            to=claim.mobile,
            body=_(
                "Your claim %(number)s on policy %(policy)s is filed. Follow it in your account."
            )
            % {"number": claim.number, "policy": locked.number},
            kind="claim_filed",
            agency_id=claim.agency_id,
        )
    return claim


def claim_document_add(
    *, claim: Claim, actor: Any, kind: str, uploaded: UploadedFile, ip_address: str | None = None
) -> ClaimDocument:
    """Keep one document of the claim's checklist (content and size checked as order
    documents are, private storage). Only while the claim is filed or its documents are
    being checked; a photo kind may hold several files, others are replaced."""
    codes = {item.code for item in checklist_for(line_code=claim.line.code)}
    if kind not in codes:
        raise ValidationError({"kind": [_("This document is not asked for.")]}, code="kind")
    clean = document_check(uploaded=uploaded)
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.state not in OPEN_FOR_DOCUMENTS:
            raise Conflict(_("Documents can no longer be added to this claim."))
        document = ClaimDocument(
            claim=locked,
            kind=kind,
            content_type=clean.content_type,
            size=clean.size,
            original_name=(uploaded.name or "")[:255],
            sha256=hashlib.sha256(clean.content).hexdigest(),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        document.file.save(f"document.{clean.extension}", clean.as_file("document"), save=False)
        document.save()
        _event(locked, event="document_added", actor=actor, note=kind)
        audit_record(
            actor=actor,
            action="claims.document_added",
            target=locked,
            changes={"document": (None, kind)},
            agency_id=locked.agency_id,
            ip_address=ip_address,
        )
    return document


def _allowed(claim: Claim, to: str) -> None:
    if to not in MOVES[claim.state]:
        raise Conflict(
            _("A claim that is “%(state)s” cannot be moved to “%(to)s”.")
            % {"state": State(claim.state).label, "to": State(to).label},
            code="state",
        )


def _move(
    *,
    claim: Claim,
    to: str,
    actor: Any,
    event: str,
    fields: dict[str, Any] | None = None,
    note: str = "",
) -> Claim:
    """Move the locked ``claim`` to ``to`` if the table allows it, with audit and timeline."""
    _allowed(claim, to)
    fields = dict(fields or {})
    changes = {"state": (claim.state, to)}
    for name, value in fields.items():
        changes[name] = (getattr(claim, name), value)
        setattr(claim, name, value)
    claim.state = to
    claim.save(update_fields=["state", "updated_at", *fields])
    _event(claim, event=event, actor=actor, note=note)
    audit_record(
        actor=actor,
        action=f"claims.{event}",
        target=claim,
        changes=changes,
        agency_id=claim.agency_id,
    )
    return claim


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("line").get(pk=claim.pk)


def _staff(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_insurer_role(*CLAIM_ROLES)):
        raise PermissionError("only the insurer's claims staff work claims")


def claim_documents_complete(*, claim: Claim, actor: Any) -> Claim:
    """The staff found every required document: the claim goes on to an assessor."""
    _staff(actor)
    with transaction.atomic():
        locked = _locked(claim)
        _allowed(locked, State.DOCUMENTS_COMPLETE)
        missing = documents_missing(claim=locked)
        if missing:
            raise ValidationError(
                _("Documents still missing: %(documents)s.")
                % {"documents": "، ".join(item.label for item in missing)},
                code="documents_missing",
            )
        return _move(
            claim=locked, to=State.DOCUMENTS_COMPLETE, actor=actor, event="documents_complete"
        )


def claim_documents_request(*, claim: Claim, actor: Any, note: str) -> Claim:
    """Ask the customer for missing or unreadable documents by SMS; reminders follow
    (at most ``MAX_REMINDERS``, ``REMINDER_INTERVAL`` apart) while any is missing."""
    _staff(actor)
    note = normalize_text(note, multiline=True)
    if not note:
        raise ValidationError({"note": [_("Say which documents are needed.")]})
    with transaction.atomic():
        locked = _locked(claim)
        fields = {
            "missing_note": note,
            "missing_requested_at": timezone.now(),
            "reminders_sent": 0,
            "last_reminder_at": None,
        }
        if locked.state == State.FILED:
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
            _event(locked, event="documents_requested", actor=actor, note=note)
            audit_record(
                actor=actor,
                action="claims.documents_requested",
                target=locked,
                changes={"missing_note": ("", note)},
                agency_id=locked.agency_id,
            )
        else:
            _move(
                claim=locked,
                to=State.FILED,
                actor=actor,
                event="documents_requested",
                fields=fields,
                note=note,
            )
        sms_queue(
            to=locked.mobile,
            body=_("Claim %(number)s: please upload in your account: %(note)s")
            % {"number": locked.number, "note": note},
            kind="claim_documents",
            agency_id=locked.agency_id,
        )
    return locked


def claim_assessor_assign(*, claim: Claim, actor: Any, assessor: Any) -> Claim:
    """Give the claim to an assessor (a user of the insurer's claims staff)."""
    _staff(actor)
    if not (assessor is not None and assessor.has_insurer_role(*CLAIM_ROLES)):
        raise ValidationError({"assessor": [_("Choose an assessor from the insurer's staff.")]})
    with transaction.atomic():
        locked = _locked(claim)
        return _move(
            claim=locked,
            to=State.ASSESSOR_ASSIGNED,
            actor=actor,
            event="assessor_assigned",
            fields={"assessor": assessor},
            note=assessor.get_full_name() or assessor.mobile,
        )


def assessment_amount(
    *, damage: Decimal, sum_insured: Decimal, deductible: Decimal, ratio_percent: Decimal
) -> Decimal:
    """What is payable: (the damage, at most the sum insured or limit, less the deductible)
    × the ratio, in whole rials rounded down, never below zero."""
    for value in (damage, sum_insured, deductible, ratio_percent):
        if not isinstance(value, Decimal):
            raise TypeError("assessment inputs are Decimal")
    base = min(sum_insured, damage) - deductible
    if base <= 0:
        return Decimal(0)
    return (base * ratio_percent / Decimal(100)).quantize(Decimal(1), rounding=ROUND_DOWN)


def _whole(value: Any, field: str) -> Decimal:
    if not isinstance(value, Decimal) or value < 0 or value != value.to_integral_value():
        raise ValidationError({field: [_("Write an amount in whole rials, not below zero.")]})
    return value


def claim_assess(
    *,
    claim: Claim,
    actor: Any,
    damage: Decimal,
    sum_insured: Decimal,
    deductible: Decimal,
    ratio_percent: Decimal,
) -> Claim:
    """Record the assessor's figures and the amount computed from them."""
    _staff(actor)
    _whole(damage, "damage")
    _whole(sum_insured, "sum_insured")
    _whole(deductible, "deductible")
    if not isinstance(ratio_percent, Decimal) or not (0 < ratio_percent <= 100):
        raise ValidationError({"ratio_percent": [_("The ratio is a percentage from 0 to 100.")]})
    amount = assessment_amount(
        damage=damage, sum_insured=sum_insured, deductible=deductible, ratio_percent=ratio_percent
    )
    with transaction.atomic():
        locked = _locked(claim)
        return _move(
            claim=locked,
            to=State.ASSESSED,
            actor=actor,
            event="assessed",
            fields={
                "damage": damage,
                "sum_insured": sum_insured,
                "deductible": deductible,
                "ratio_percent": ratio_percent,
                "amount": amount,
            },
        )


def claim_approve(*, claim: Claim, actor: Any) -> Claim:
    _staff(actor)
    with transaction.atomic():
        return _move(claim=_locked(claim), to=State.APPROVED, actor=actor, event="approved")


def claim_reject(*, claim: Claim, actor: Any, reason: str) -> Claim:
    """Refuse the claim, saying why (shown to the customer)."""
    _staff(actor)
    reason = normalize_text(reason, multiline=True)
    if not reason:
        raise ValidationError({"reason": [_("Write the reason for rejecting.")]})
    with transaction.atomic():
        return _move(
            claim=_locked(claim),
            to=State.REJECTED,
            actor=actor,
            event="rejected",
            fields={"rejection_reason": reason},
            note=reason,
        )


def claim_payment_order(*, claim: Claim, actor: Any) -> Claim:
    """Issue the payment order of the approved amount; the customer is texted once."""
    _staff(actor)
    with transaction.atomic():
        locked = _move(
            claim=_locked(claim), to=State.PAYMENT_ORDERED, actor=actor, event="payment_ordered"
        )
        from core.templatetags.jalali import fa_digits

        sms_queue(
            to=locked.mobile,
            body=_("The payment of claim %(number)s, %(amount)s rials, has been ordered.")
            % {"number": locked.number, "amount": fa_digits(f"{locked.amount:,}")},
            kind="claim_payment",
            agency_id=locked.agency_id,
        )
    return locked


def claim_mark_paid(*, claim: Claim, actor: Any, reference: str) -> Claim:
    """The amount has been paid; the selling agency's CRM records it (loss ratio)."""
    _staff(actor)
    reference = (reference or "").strip()[:40]
    if not reference:
        raise ValidationError({"reference": [_("Write the payment's reference.")]})
    with transaction.atomic():
        locked = _move(
            claim=_locked(claim),
            to=State.PAID,
            actor=actor,
            event="paid",
            fields={"paid_at": timezone.now(), "payment_reference": reference},
        )
        if locked.agency_id is not None:
            from claims.tasks import claims_crm_record

            schema_name = Agency.objects.values_list("schema_name", flat=True).get(
                pk=locked.agency_id
            )
            enqueue_on_commit(claims_crm_record, schema_name, locked.pk)
    return locked


def claim_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind customers whose claims still miss required documents: each claim at most
    ``MAX_REMINDERS`` times, ``REMINDER_INTERVAL`` apart. Each reminder is claimed by a
    conditional update, so a second run (or two beat runs at once) sends nothing twice."""
    now = now or timezone.now()
    due = now - REMINDER_INTERVAL
    candidates = Claim.objects.filter(
        state=State.FILED,
        missing_requested_at__isnull=False,
        missing_requested_at__lte=due,
        reminders_sent__lt=MAX_REMINDERS,
    ).filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=due))
    sent = 0
    for claim in candidates.select_related("line").order_by("id")[:1000]:
        if not documents_missing(claim=claim):
            continue
        with transaction.atomic():
            taken = (
                Claim.objects.filter(
                    pk=claim.pk, state=State.FILED, reminders_sent=claim.reminders_sent
                )
                .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=due))
                .update(reminders_sent=F("reminders_sent") + 1, last_reminder_at=now)
            )
            if not taken:
                continue
            sms_queue(
                to=claim.mobile,
                body=_("Reminder: claim %(number)s is waiting for your documents: %(note)s")
                % {"number": claim.number, "note": claim.missing_note},
                kind="claim_reminder",
                agency_id=claim.agency_id,
            )
            ClaimEvent.objects.create(
                claim=claim, state=claim.state, event="reminder_sent", note=claim.missing_note
            )
            audit_record(
                actor=None,
                actor_label="claims",
                action="claims.reminder_sent",
                target=claim,
                changes={"reminders_sent": (claim.reminders_sent, claim.reminders_sent + 1)},
                agency_id=claim.agency_id,
            )
            sent += 1
    return sent
