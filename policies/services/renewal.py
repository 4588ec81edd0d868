"""Renewal of a policy from the customer's account (S-2.6, decision 050).

"Renew" is offered from 30 days before a policy's end to 30 days after it, for a policy in
force (a cancelled one is refused); it opens the line's quote prefilled from the old order
(``policies.services.prefill``), priced by today's tariff, and then the normal purchase. The
order records the policy it renews (``Order.renews``), so the new policy is linked to the old
one; one open renewal order per policy is resumed rather than duplicated, and a policy whose
renewal is paid or issued is not renewed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict
from core.jalali import format_jalali_date
from policies.claim_checks import policy_has_claim
from policies.models import Order, Policy, Quote
from policies.services.events import SYSTEM, Origin
from policies.services.prefill import RenewalPrefill, renewal_prefill

RENEW_DAYS_BEFORE_END = 30
RENEW_DAYS_AFTER_END = 30
OPEN_STATES = (Order.State.DRAFT, Order.State.AWAITING_PAYMENT)
DONE_STATES = (Order.State.PAID, Order.State.ISSUED)


def renewal_window(policy: Any) -> tuple[dt.date, dt.date]:
    """The first and last day "renew" is offered for ``policy``."""
    return (
        policy.end_date - dt.timedelta(days=RENEW_DAYS_BEFORE_END),
        policy.end_date + dt.timedelta(days=RENEW_DAYS_AFTER_END),
    )


def renewable(policy: Any, today: dt.date) -> bool:
    """In force and inside its window (from its own fields: no query)."""
    first, last = renewal_window(policy)
    return policy.state == Policy.State.ACTIVE and first <= today <= last


def renewal_refusal(*, policy: Policy, customer: Any, today: dt.date) -> None:
    """Raise ``Conflict`` (in Persian) when ``customer`` may not renew ``policy`` today."""
    if policy.customer_id != customer.pk:
        raise Conflict(_("This policy is another customer's."), code="other_customer")
    if policy.state == Policy.State.CANCELLED:
        raise Conflict(_("This policy is cancelled; it cannot be renewed."), code="cancelled")
    first, last = renewal_window(policy)
    if today < first:
        raise Conflict(
            _("This policy can be renewed from %(date)s.") % {"date": format_jalali_date(first)},
            code="renewal_too_early",
        )
    if today > last:
        raise Conflict(
            _("This policy ended more than 30 days ago; buy a new one instead."),
            code="renewal_too_late",
        )
    if Order.objects.filter(renews=policy, state__in=DONE_STATES).exists():
        raise Conflict(_("This policy is already renewed."), code="renewed")


def renewal_open_order(*, policy: Policy, customer: Any) -> Order | None:
    """The customer's renewal order of ``policy`` still open, if any (resumed, not doubled)."""
    return (
        Order.objects.filter(renews=policy, customer=customer, state__in=OPEN_STATES)
        .order_by("-created_at")
        .first()
    )


def renewal_answers_of(*, policy: Policy, today: dt.date) -> RenewalPrefill:
    """The old order's answers, no-claim years advanced unless the policy had a claim."""
    return renewal_prefill(
        line_code=policy.line.code,
        order_id=policy.order_id,
        had_claim=lambda: policy_has_claim(policy),
        end_date=policy.end_date,
        on=today,
    )


def renewal_order_start(
    *,
    policy: Policy,
    quote: Quote,
    customer: Any,
    agency: Any,
    today: dt.date,
    origin: Origin = SYSTEM,
) -> Order:
    """Open the order of ``quote`` as the renewal of ``policy``: the normal order
    (``order_start``), linked to the old policy, with the old order's insured person and
    details carried over for the customer to check."""
    from policies.services.orders import order_start

    with transaction.atomic():
        locked = Policy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
        renewal_refusal(policy=locked, customer=customer, today=today)
        order = order_start(quote=quote, customer=customer, agency=agency, origin=origin)
        if order.renews_id is None:
            old = Order.objects.get(pk=locked.order_id)
            carried: Mapping[str, Any] = {
                "renews": locked,
                "insured_first_name": old.insured_first_name or order.insured_first_name,
                "insured_last_name": old.insured_last_name or order.insured_last_name,
                "insured_national_code": old.insured_national_code or order.insured_national_code,
                "insured_birth_date": old.insured_birth_date or order.insured_birth_date,
                "insured_mobile": old.insured_mobile or order.insured_mobile,
                "details": dict(old.details or {}) if old.line_id == order.line_id else {},
            }
            Order.objects.filter(pk=order.pk).update(**carried)
            order.refresh_from_db()
            audit_record(
                actor=customer,
                action="order.renews",
                target=order,
                changes={"renews": (None, locked.number)},
                agency_id=order.agency_id,
                ip_address=origin.ip_address,
            )
    return order
