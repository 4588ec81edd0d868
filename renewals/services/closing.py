"""A policy renewed: the old one linked to the new and its open items closed as renewed,
credited to the channel and to the staff member who had them (with the agency's points)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import BookPolicy
from crm.services.base import actor_id, agency_write, audit_record
from crm.tenancy import schema_require
from renewals.models import RenewalSettings, WorkItem


class RenewalRefused(Exception):
    """A renewal that cannot be recorded (the message is for people, in their language)."""


def _check(old: BookPolicy, new: BookPolicy) -> None:
    if new.pk == old.pk:
        raise RenewalRefused(_("A policy cannot renew itself."))
    if new.customer_id != old.customer_id:
        raise RenewalRefused(_("The new policy belongs to another customer."))
    if new.line_code != old.line_code:
        raise RenewalRefused(_("The new policy is of another line."))
    if new.state == BookPolicy.State.CANCELLED:
        raise RenewalRefused(_("The new policy is cancelled."))
    if old.renewed_by_id not in (None, new.pk):
        raise RenewalRefused(_("This policy was already renewed by another policy."))
    if BookPolicy.objects.filter(renewed_by=new).exclude(pk=old.pk).exists():
        raise RenewalRefused(_("The new policy already renews another policy."))


def book_renewed(
    *,
    agency: Any,
    actor: Any,
    old: BookPolicy,
    new: BookPolicy,
    channel: str,
    require_active: bool = True,
) -> list[WorkItem]:
    """Link ``old`` to ``new`` (``renewed_by``, state renewed) and close ``old``'s open
    renewal and lapsed items as renewed through ``channel``; returns the items closed.
    Running it again changes nothing. ``require_active=False`` is for the system recording
    a fact the ledger already holds (a policy issued), never for a person's action."""
    schema_require(agency)
    guard = agency_write(agency) if require_active else transaction.atomic()
    with guard:
        old = BookPolicy.objects.select_for_update().get(pk=old.pk)
        new = BookPolicy.objects.get(pk=new.pk)
        _check(old, new)
        now = timezone.now()
        if old.renewed_by_id is None or old.state != BookPolicy.State.RENEWED:
            previous = old.state
            BookPolicy.objects.filter(pk=old.pk).update(
                renewed_by=new, state=BookPolicy.State.RENEWED, state_changed_at=now
            )
            audit_record(
                agency=agency,
                actor=actor,
                action="renewal_item.renewed",
                target=old,
                changes={"renewed_by": (None, new.number), "state": (previous, "renewed")},
                actor_label="renewals",
            )
        points = RenewalSettings.objects.values_list("points_per_renewal", flat=True).first() or 0
        closed = []
        for item in (
            WorkItem.objects.select_for_update()
            .filter(book_policy=old, state=WorkItem.State.OPEN)
            .exclude(kind="followup")
        ):
            item.state = WorkItem.State.CLOSED
            item.outcome = WorkItem.Outcome.RENEWED
            item.channel = channel
            item.new_book_policy = new
            item.renewal_premium = new.premium
            item.renewal_commission = new.commission
            item.credited_user_id = item.assigned_to_user_id
            item.points = points if item.assigned_to_user_id else 0
            item.closed_at = now
            item.closed_by_user_id = actor_id(actor)
            item.save()
            audit_record(
                agency=agency,
                actor=actor,
                action="renewal_item.closed",
                target=item,
                changes={"outcome": ("", "renewed"), "channel": ("", channel)},
                actor_label="renewals",
            )
            closed.append(item)
    return closed
