"""Marketing's sales plans (S-5.4): submitted at least 15 days before they start, decided
by an operator, applied by the quote engine within their dates once approved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.jalali import format_jalali_date, tehran
from policies.catalog_cache import catalog_changed
from policies.models import Line, SalesPlan

SUBMIT_ROLES = ("marketing", "admin")
DECIDE_ROLES = ("operator", "admin")
NOTICE_DAYS = 15


def sales_plan_submit(
    *,
    actor: Any,
    title: str,
    discount_percent: Decimal,
    lines: list[Line],
    starts_on: dt.date,
    ends_on: dt.date,
    agencies: list[Any] | None = None,
) -> SalesPlan:
    """Submit a plan; refused, with the earliest allowed start date, when it starts sooner
    than 15 days from today (Tehran)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(*SUBMIT_ROLES):
        raise PermissionDenied(_("Only marketing submits sales plans."))
    errors: dict[str, list[str]] = {}
    earliest = timezone.localdate(timezone=tehran()) + dt.timedelta(days=NOTICE_DAYS)
    if starts_on < earliest:
        errors["starts_on"] = [
            _(
                "A sales plan must be submitted at least %(days)s days before it starts; "
                "the earliest first day now is %(date)s."
            )
            % {"days": NOTICE_DAYS, "date": format_jalali_date(earliest)}
        ]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day is before the first day.")]
    if not Decimal(0) < discount_percent <= Decimal(50):
        errors["discount_percent"] = [_("The discount must be more than 0 and at most 50 percent.")]
    if not lines:
        errors["lines"] = [_("Choose at least one line.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the plan a title.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = SalesPlan.objects.create(
            title=title.strip(),
            discount_percent=discount_percent,
            starts_on=starts_on,
            ends_on=ends_on,
            submitted_by=actor,
        )
        plan.lines.set(lines)
        plan.agencies.set(agencies or [])
        audit_record(
            actor=actor,
            action="sales_plan.submitted",
            target=plan,
            changes={
                "title": (None, plan.title),
                "discount_percent": (None, str(discount_percent)),
                # Written out: the audit log keeps scalars (a list would be stored as its repr).
                "lines": (None, ", ".join(line.code for line in lines)),
                "agencies": (None, ", ".join(str(agency.code) for agency in agencies or [])),
                "starts_on": (None, starts_on.isoformat()),
                "ends_on": (None, ends_on.isoformat()),
            },
        )
    return plan


def sales_plan_decide(*, plan: SalesPlan, approve: bool, actor: Any, note: str = "") -> SalesPlan:
    """An operator other than the submitter approves or rejects a waiting plan; an approved
    plan reaches every process's quote engine within a second."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(*DECIDE_ROLES):
        raise PermissionDenied(_("Only virtual-branch operators decide sales plans."))
    note = " ".join((note or "").split())
    if not approve and len(note) < 5:
        raise ValidationError({"note": [_("Write why the plan is rejected.")]})
    with transaction.atomic():
        locked = SalesPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state != SalesPlan.State.SUBMITTED:
            raise ValidationError(_("This plan has already been decided."), code="decided")
        if locked.submitted_by_id == actor.pk:
            raise PermissionDenied(_("Another operator must decide a plan you submitted."))
        old = locked.state
        locked.state = SalesPlan.State.APPROVED if approve else SalesPlan.State.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action=f"sales_plan.{locked.state}",
            target=locked,
            changes={"state": (old, locked.state), "note": (None, note)},
        )
        catalog_changed()
    return locked
