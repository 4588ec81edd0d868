"""Issuance (S-2.5, S-5.1): a paid order becomes a policy with a gapless number, or is rejected."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.dispatch import signal_send_robust
from core.jalali import tehran, to_jalali
from core.queue import enqueue
from policies.models import Order, Payment, Policy, PolicySequence
from policies.services.events import SYSTEM, Origin
from policies.services.orders import order_transition
from policies.signals import policy_issued
from tenants.services import agency_require_active

ISSUER_ROLES = ("operator", "admin")
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # nothing to confuse: no 0/O, 1/I


def verification_code_new() -> str:
    """A random, unguessable code printed on the policy and encoded in its QR (10 chars)."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(10))


def issuer_kind(*, user: Any, order: Order) -> str | None:
    """How ``user`` may issue or reject ``order``: "agency", "virtual_branch" or None.

    The selling agency issues its own orders when it holds issuing rights and is active;
    every other paid order is the virtual branch's (so is the order of an issuing agency
    while it is suspended or pending: the customer has paid and is not kept waiting).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    agency = order.agency
    if agency is not None and agency.can_issue and agency.is_site_active:
        if user.memberships.filter(agency=agency, is_active=True).exists():
            return "agency"
        return None
    if user.has_insurer_role(*ISSUER_ROLES):
        return "virtual_branch"
    return None


def policy_number_next(*, line_id: int, jalali_year: int) -> int:
    """The next number of a line in a Jalali year.

    The counter row stays locked until the issuing transaction ends, so numbers are
    handed out in commit order and a rolled-back issuance returns its number: no gaps,
    no duplicates, however many issue at once.
    """
    table = PolicySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (line_id, jalali_year, last) VALUES (%s, %s, 1)
            ON CONFLICT (line_id, jalali_year) DO UPDATE SET last = {table}.last + 1
            RETURNING last
            """,  # noqa: S608 - the table name is ours
            [line_id, jalali_year],
        )
        return int(cursor.fetchone()[0])


def policy_issue(
    *,
    order: Order,
    actor: Any,
    start_date: dt.date | None = None,
    origin: Origin = SYSTEM,
) -> Policy:
    """Issue the policy of a paid order; the PDF is rendered and sent once this commits.
    An agency issuing its own order must still be active when it does (``AgencyNotActive``)."""
    kind = issuer_kind(user=actor, order=order)
    if kind is None:
        raise PermissionDenied(_("You may not issue this order."))
    today = timezone.localdate(timezone=tehran())
    start = start_date or today
    if start < today:
        raise ValidationError({"start_date": [_("The policy cannot start in the past.")]})
    with transaction.atomic():
        # Lock the order row only: a FOR UPDATE on the joined line would queue every quote
        # and order of that line (their foreign-key checks) behind each issuance.
        locked = (
            Order.objects.select_for_update(of=("self",)).select_related("line").get(pk=order.pk)
        )
        if locked.state != Order.State.PAID:
            raise ValidationError(
                _("Only a paid order can be issued; this one is %(state)s.")
                % {"state": locked.get_state_display()},
                code="order_state",
            )
        _check_not_being_offered(locked, order)
        if kind == "agency" and locked.agency_id is not None:
            agency_require_active(agency_id=locked.agency_id)
        year = to_jalali(today).year
        sequence = policy_number_next(line_id=locked.line_id, jalali_year=year)
        policy = Policy.objects.create(
            order=locked,
            number=f"{year}-{locked.line.number_code:02d}-{sequence:06d}",
            line=locked.line,
            jalali_year=year,
            sequence=sequence,
            agency=locked.agency,
            customer=locked.customer,
            start_date=start,
            end_date=start + dt.timedelta(days=locked.term_days),
            premium=locked.premium,
            breakdown=locked.breakdown,
            tariff_version=locked.tariff_version,
            verification_code=verification_code_new(),
            issued_by=actor,
            issued_by_virtual_branch=kind == "virtual_branch",
        )
        order_transition(
            order=locked,
            to=Order.State.ISSUED,
            actor=actor,
            origin=origin,
            fields={"closed_at": timezone.now()},
            event="policy_issued",
            data={"policy": policy.number, "by": kind},
        )
        audit_record(
            actor=actor,
            action="policy.issued",
            target=policy,
            changes={"number": (None, policy.number)},
            agency_id=policy.agency_id,
            ip_address=origin.ip_address,
        )
        policy_id = policy.pk
        transaction.on_commit(lambda: _after_issue(policy_id))
    order.state = Order.State.ISSUED
    return policy


def _check_not_being_offered(locked: Order, seen: Order) -> None:
    """The issuer decided on the order as it was; refuse if it has since gone to agencies
    or to another agency (a referral accepted a moment ago)."""
    if locked.awaiting_agency or locked.agency_id != seen.agency_id:
        raise ValidationError(
            _("This order is being offered to agencies or was just taken by one; reload it."),
            code="awaiting_agency",
        )


def _after_issue(policy_id: int) -> None:
    from policies.tasks import policy_pdf_render

    # Unsent (broker down), the PDF is rendered by ``policy_pdfs_resume`` (beat).
    enqueue(policy_pdf_render, policy_id)
    # After the issue committed: a failing receiver is logged, never the issuer's error.
    signal_send_robust(
        policy_issued,
        name="policy_issued",
        sender=Policy,
        about={"policy_id": policy_id},
        policy=Policy.objects.get(pk=policy_id),
    )


def order_reject(*, order: Order, actor: Any, reason: str, origin: Origin = SYSTEM) -> Order:
    """Refuse to issue a paid order; the customer's payment is flagged for a refund."""
    kind = issuer_kind(user=actor, order=order)
    if kind is None:
        raise PermissionDenied(_("You may not reject this order."))
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError(
            {"reason": [_("Write the reason for the customer (at least 5 characters).")]}
        )
    refund_due = order.payments.filter(state=Payment.State.SUCCEEDED).exists()
    with transaction.atomic():
        _check_not_being_offered(
            Order.objects.select_for_update(of=("self",)).get(pk=order.pk), order
        )
        if kind == "agency" and order.agency_id is not None:
            agency_require_active(agency_id=order.agency_id)
        order_transition(
            order=order,
            to=Order.State.REJECTED,
            actor=actor,
            origin=origin,
            fields={
                "closed_at": timezone.now(),
                "rejection_reason": reason,
                "refund_due": refund_due,
            },
            event="order_rejected",
            data={"reason": reason, "refund_due": refund_due},
        )
        from core.sms.services import sms_queue

        sms_queue(
            to=order.customer.mobile,
            body=_(
                "Your order %(number)s was not issued: %(reason)s. The amount paid will be refunded."
            )
            % {"number": order.number, "reason": reason},
            kind="order_rejected",
            agency_id=order.agency_id,
        )
    return order
