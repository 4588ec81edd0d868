"""Cases and their activities (S-6.6): create, update, assign, close; activities planned,
done and moved, with a reminder to their assignee; files kept with a case or an activity.

Every write is one transaction in the agency's schema (``agency_write``), checks the state it
changes inside that transaction (rows locked), and leaves an audit row with its actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core.errors import Conflict
from crm.models import Activity, Attachment, Case, Customer
from crm.models.book import BookPolicy
from crm.services.base import actor_id, agency_write, audit_record, normalized
from policies.services.orders import document_check

# Attachments a case or activity may hold; a larger set is a sign of misuse.
MAX_ATTACHMENTS = 50


class CaseClosed(Conflict):
    """The case is done or cancelled: nothing more is added to it."""

    def __init__(self) -> None:
        super().__init__(_("This case is closed; reopen it first."), code="case_closed")


def member_require(*, agency: Any, user_id: int | None, field: str = "assignee") -> None:
    """``user_id`` must be an active member of ``agency`` (or empty: nobody assigned)."""
    if user_id is None:
        return
    if not AgencyMembership.objects.filter(
        agency_id=agency.pk, user_id=user_id, is_active=True
    ).exists():
        raise ValidationError({field: [_("Choose a member of this agency.")]})


def _clean_title(model: type, field: str, value: str, message: str) -> str:
    value = normalized(model, field, value or "")
    if not value:
        raise ValidationError({field: [message]})
    return value


def _live_customer(customer: Customer | None) -> Customer | None:
    if customer is None:
        return None
    if customer.merged_into_id is not None:
        raise ValidationError({"customer": [_("That customer was merged into another.")]})
    return customer


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_open(case: Case) -> None:
    if case.state not in Case.OPEN_STATES:
        raise CaseClosed()


def case_create(
    *,
    agency: Any,
    actor: Any,
    kind: str,
    title: str,
    customer: Customer | None = None,
    book_policy: BookPolicy | None = None,
    description: str = "",
    assignee_user_id: int | None = None,
    due_at: dt.datetime | None = None,
    priority: int = Case.Priority.NORMAL,
) -> Case:
    """Open a case (پرونده) of one of seed 001's kinds, assigned to a member of the agency."""
    if kind not in Case.Kind.values:
        raise ValidationError({"kind": [_("Choose the kind of case.")]})
    if priority not in Case.Priority.values:
        raise ValidationError({"priority": [_("Choose the priority.")]})
    title = _clean_title(Case, "title", title, _("Write a title for the case."))
    if book_policy is not None and customer is not None and book_policy.customer_id != customer.pk:
        raise ValidationError({"book_policy": [_("This policy is not the customer's.")]})
    with agency_write(agency):
        member_require(agency=agency, user_id=assignee_user_id)
        case = Case.objects.create(
            customer=_live_customer(customer),
            book_policy=book_policy,
            kind=kind,
            title=title,
            description=normalized(Case, "description", description or ""),
            assignee_user_id=assignee_user_id,
            due_at=due_at,
            priority=priority,
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="case.created",
            target=case,
            changes={
                "kind": (None, kind),
                "title": (None, title),
                "assignee": (None, assignee_user_id),
                "customer": (None, customer.pk if customer else None),
            },
        )
    return case


CASE_UPDATABLE = frozenset({"kind", "title", "description", "due_at", "priority", "book_policy"})


def case_update(*, agency: Any, actor: Any, case: Case, **changes: Any) -> Case:
    """Change a case's kind, title, description, due time, priority or policy. A closed
    case is not edited (reopen it first)."""
    unknown = set(changes) - CASE_UPDATABLE
    if unknown:
        raise TypeError(f"case_update cannot change {sorted(unknown)}")
    if "kind" in changes and changes["kind"] not in Case.Kind.values:
        raise ValidationError({"kind": [_("Choose the kind of case.")]})
    if "priority" in changes and changes["priority"] not in Case.Priority.values:
        raise ValidationError({"priority": [_("Choose the priority.")]})
    if "title" in changes:
        changes["title"] = _clean_title(
            Case, "title", changes["title"], _("Write a title for the case.")
        )
    if "description" in changes:
        changes["description"] = normalized(Case, "description", changes["description"] or "")
    with agency_write(agency):
        locked = _locked_case(case)
        _require_open(locked)
        policy = changes.get("book_policy")
        if policy is not None and locked.customer_id and policy.customer_id != locked.customer_id:
            raise ValidationError({"book_policy": [_("This policy is not the customer's.")]})
        diff: dict[str, tuple[Any, Any]] = {}
        for name, value in changes.items():
            attname = "book_policy_id" if name == "book_policy" else name
            new = value.pk if name == "book_policy" and value is not None else value
            old = getattr(locked, attname)
            if old != new:
                diff[name] = (old, new)
                setattr(locked, attname, new)
        if diff:
            locked.save()
            audit_record(
                agency=agency, actor=actor, action="case.updated", target=locked, changes=diff
            )
    return locked


def case_assign(*, agency: Any, actor: Any, case: Case, assignee_user_id: int | None) -> Case:
    """Give an open case to a member of the agency (or to nobody)."""
    with agency_write(agency):
        member_require(agency=agency, user_id=assignee_user_id)
        locked = _locked_case(case)
        _require_open(locked)
        old = locked.assignee_user_id
        if old != assignee_user_id:
            locked.assignee_user_id = assignee_user_id
            locked.save(update_fields=["assignee_user_id", "updated_at"])
            audit_record(
                agency=agency,
                actor=actor,
                action="case.assigned",
                target=locked,
                changes={"assignee": (old, assignee_user_id)},
            )
    return locked


def case_start(*, agency: Any, actor: Any, case: Case) -> Case:
    """Mark an open case as being worked on."""
    with agency_write(agency):
        locked = _locked_case(case)
        if locked.state == Case.State.IN_PROGRESS:
            return locked
        if locked.state != Case.State.OPEN:
            raise CaseClosed()
        locked.state = Case.State.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="case.started",
            target=locked,
            changes={"state": (Case.State.OPEN, Case.State.IN_PROGRESS)},
        )
    return locked


def case_close(
    *, agency: Any, actor: Any, case: Case, state: str = Case.State.DONE, result: str = ""
) -> Case:
    """Close a case as done or cancelled, with its result. Closing it again changes nothing;
    its open activities stay as they are (they are history), but no new one is added."""
    if state not in (Case.State.DONE, Case.State.CANCELLED):
        raise ValidationError({"state": [_("A case is closed as done or cancelled.")]})
    result = normalized(Case, "result", result or "")
    if state == Case.State.DONE and not result:
        raise ValidationError({"result": [_("Write the result of the case.")]})
    with agency_write(agency):
        locked = _locked_case(case)
        if locked.state == state:
            return locked
        _require_open(locked)
        old = locked.state
        locked.state = state
        locked.result = result
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "result", "closed_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="case.closed",
            target=locked,
            changes={"state": (old, state), "result": ("", result)},
        )
    return locked


def case_reopen(*, agency: Any, actor: Any, case: Case) -> Case:
    """Open a closed case again."""
    with agency_write(agency):
        locked = _locked_case(case)
        if locked.state in Case.OPEN_STATES:
            return locked
        old = locked.state
        locked.state = Case.State.OPEN
        locked.closed_at = None
        locked.save(update_fields=["state", "closed_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="case.reopened",
            target=locked,
            changes={"state": (old, Case.State.OPEN)},
        )
    return locked


def _remind_check(remind_at: dt.datetime | None, due_at: dt.datetime | None) -> None:
    if remind_at is not None and due_at is not None and remind_at > due_at:
        raise ValidationError({"remind_at": [_("The reminder must come before the due time.")]})


def activity_create(
    *,
    agency: Any,
    actor: Any,
    case: Case,
    kind: str,
    subject: str,
    note: str = "",
    assignee_user_id: int | None = None,
    due_at: dt.datetime | None = None,
    remind_at: dt.datetime | None = None,
) -> Activity:
    """Plan an activity of an open case; its assignee (the case's when not given) gets a
    reminder at ``remind_at``."""
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": [_("Choose the kind of activity.")]})
    subject = _clean_title(Activity, "subject", subject, _("Write the activity's subject."))
    _remind_check(remind_at, due_at)
    with agency_write(agency):
        locked = _locked_case(case)
        _require_open(locked)
        if assignee_user_id is None:
            assignee_user_id = locked.assignee_user_id
        member_require(agency=agency, user_id=assignee_user_id)
        activity = Activity.objects.create(
            case=locked,
            kind=kind,
            subject=subject,
            note=normalized(Activity, "note", note or ""),
            assignee_user_id=assignee_user_id,
            due_at=due_at,
            remind_at=remind_at,
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="activity.created",
            target=activity,
            changes={
                "case": (None, locked.pk),
                "kind": (None, kind),
                "assignee": (None, assignee_user_id),
                "due_at": (None, due_at),
                "remind_at": (None, remind_at),
            },
        )
    return activity


def _locked_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("case").get(pk=activity.pk)


def activity_done(*, agency: Any, actor: Any, activity: Activity, result: str = "") -> Activity:
    """Record that an activity was done, with its result; its reminder is no longer sent.
    Done twice changes nothing."""
    result = normalized(Activity, "result", result or "")
    with agency_write(agency):
        locked = _locked_activity(activity)
        if locked.done_at is not None:
            return locked
        _require_open(locked.case)
        locked.done_at = timezone.now()
        locked.result = result
        locked.save(update_fields=["done_at", "result"])
        audit_record(
            agency=agency,
            actor=actor,
            action="activity.done",
            target=locked,
            changes={"done_at": (None, locked.done_at), "result": ("", result)},
        )
    return locked


def activity_reschedule(
    *,
    agency: Any,
    actor: Any,
    activity: Activity,
    due_at: dt.datetime | None,
    remind_at: dt.datetime | None,
    assignee_user_id: int | None = None,
) -> Activity:
    """Move an activity that is not done yet; a new reminder time is sent again (once)."""
    _remind_check(remind_at, due_at)
    with agency_write(agency):
        locked = _locked_activity(activity)
        _require_open(locked.case)
        if locked.done_at is not None:
            raise Conflict(_("This activity is done already."), code="activity_done")
        if assignee_user_id is not None:
            member_require(agency=agency, user_id=assignee_user_id)
        diff: dict[str, tuple[Any, Any]] = {}
        if locked.due_at != due_at:
            diff["due_at"] = (locked.due_at, due_at)
            locked.due_at = due_at
        if locked.remind_at != remind_at:
            diff["remind_at"] = (locked.remind_at, remind_at)
            locked.remind_at = remind_at
            # A reminder at a new time is a new reminder.
            locked.reminder_sent_at = None
        if assignee_user_id is not None and assignee_user_id != locked.assignee_user_id:
            diff["assignee"] = (locked.assignee_user_id, assignee_user_id)
            locked.assignee_user_id = assignee_user_id
        if diff:
            locked.save(
                update_fields=["due_at", "remind_at", "reminder_sent_at", "assignee_user_id"]
            )
            audit_record(
                agency=agency,
                actor=actor,
                action="activity.rescheduled",
                target=locked,
                changes=diff,
            )
    return locked


def attachment_add(
    *,
    agency: Any,
    actor: Any,
    uploaded: UploadedFile,
    case: Case | None = None,
    activity: Activity | None = None,
    customer: Customer | None = None,
) -> Attachment:
    """Keep a file with a case, an activity or a customer, checked like every other upload
    (an image decoded and written again, a PDF parsed; JPG, PNG or PDF up to 5 MB) and stored
    under a random name in private storage (decision 018)."""
    if case is None and activity is None and customer is None:
        raise ValidationError(_("Choose where the file belongs."))
    clean = document_check(uploaded=uploaded)
    original_name = normalized(Attachment, "original_name", (uploaded.name or "file")[:255])
    with agency_write(agency):
        if activity is not None:
            activity = _locked_activity(activity)
            case = activity.case
        if case is not None:
            case = _locked_case(case)
            _require_open(case)
            if Attachment.objects.filter(case=case).count() >= MAX_ATTACHMENTS:
                raise ValidationError(_("This case has too many files."))
            customer = customer or case.customer
        attachment = Attachment(
            customer=customer,
            case=case,
            activity=activity,
            content_type=clean.content_type,
            size=clean.size,
            original_name=original_name,
            uploaded_by_user_id=actor_id(actor),
        )
        attachment.file.save(f"file.{clean.extension}", clean.as_file("file"), save=False)
        storage, name = attachment.file.storage, attachment.file.name or ""
        # A refused or failed write leaves no file behind.
        try:
            attachment.save()
            audit_record(
                agency=agency,
                actor=actor,
                action="attachment.added",
                target=attachment,
                changes={
                    "case": (None, case.pk if case else None),
                    "activity": (None, activity.pk if activity else None),
                    "name": (None, original_name),
                },
            )
        except Exception:
            storage.delete(name)
            raise
    return attachment
