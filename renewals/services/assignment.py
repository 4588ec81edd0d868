"""Re-assigning a work item by hand (seed 004: the owner can re-assign), audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from renewals.models import WorkItem
from renewals.services import clock
from renewals.services.pool import staff_candidates
from renewals.services.results import member_of


def item_reassign(*, agency: Any, actor: Any, item: WorkItem, user_id: int) -> WorkItem:
    """Give ``item`` to ``user_id`` (one of the staff who take renewal calls), due by 17:00
    tomorrow as if given out today. Owners and managers only."""
    from crm.services.base import agency_write, audit_record

    with agency_write(agency):
        membership = member_of(agency, actor)
        if membership is None or not membership.can_manage:
            raise ValidationError(_("Only an owner or manager can re-assign work items."))
        locked = WorkItem.objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:
            raise ValidationError(_("This work item no longer exists."))
        if locked.state != WorkItem.State.OPEN:
            raise ValidationError(_("This work item is already closed."))
        if int(user_id) not in staff_candidates(agency):
            raise ValidationError({"user_id": _("Choose a staff member who takes renewal calls.")})
        previous = locked.assigned_to_user_id
        today = clock.today()
        locked.assigned_to_user_id = int(user_id)
        locked.assigned_on = today
        locked.due_at = clock.due_at(today) if locked.queue == WorkItem.Queue.CALLS else None
        locked.save(update_fields=["assigned_to_user_id", "assigned_on", "due_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.reassigned",
            target=locked,
            changes={"assigned_to_user_id": (previous, locked.assigned_to_user_id)},
            actor_label="renewals",
        )
    item.refresh_from_db()
    return item
