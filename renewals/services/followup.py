"""Follow-up calls after issuance (S-7.5, seed 004 section 8; decision 044).

Every policy sold here gets one follow-up call in the week after it was issued: delivery
and satisfaction confirmed, or a complaint noted. An unanswered call is tried again the
next day; unanswered calls on three days (or a wrong number) make the customer's contact
details inaccurate and send the case back to the issuing agency: an SMS to its owner and
an item on the panel's "details to correct" list. Corrected details are called again.

Counting days (decision 044): each Tehran day with an unanswered call counts once (a second
unanswered call that day counts nothing); a day without a call (a Friday, leave) neither
counts nor starts the count again: the seed counts three tries, one a day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from accounts.selectors import membership_get
from core.errors import Conflict
from core.jalali import tehran
from core.queue import enqueue_on_commit
from crm.models import BookPolicy, Customer, CustomerPhone
from crm.services.base import actor_id, agency_write, audit_record, normalized
from crm.services.contacts import PhoneInput, customer_phone_add, phone_clean
from crm.tenancy import schema_require
from renewals.labels import SYSTEM_ACTOR
from renewals.models import (
    FOLLOWUP_FINAL_RESULTS,
    CallResult,
    FollowupReturn,
    Kind,
    RenewalSettings,
    Result,
    WorkItem,
)
from renewals.services import clock

# Policies issued on the day and the six before it get their follow-up item (a day the
# beat missed is caught up; switching follow-ups on does not call the whole book).
WINDOW_DAYS = 7
# Seed 004: "if after three calls the customer still cannot be reached: inaccurate".
UNANSWERED_LIMIT = 3
# The results a follow-up call records.
FOLLOWUP_RESULTS = (Result.CONFIRMED, Result.COMPLAINT, Result.NOT_REACHABLE, Result.WRONG_NUMBER)
SMS_KIND = "renewal_followup_return"
# A send-back whose SMS is still not queued after this long is queued again by the day's run.
SMS_SWEEP_AFTER = dt.timedelta(minutes=10)


class FollowupRefused(Conflict):
    """A follow-up action that the item's state or the person's role does not allow."""


# ---- the day's items --------------------------------------------------------------------


def followups_build(*, agency: Any, day: dt.date) -> int:
    """Add the day's follow-up items: one per policy sold here (origin ledger), issued on
    ``day`` or the six days before it and not cancelled, when the agency has follow-ups on.
    One INSERT … SELECT; a policy that already has its item is left alone, so running the
    day again adds nothing. Also closes open follow-ups of policies since cancelled and
    queues again any send-back SMS the broker missed. Returns how many items were added."""
    schema_require(agency)
    enabled = RenewalSettings.objects.values_list("followup_enabled", flat=True).first()
    with transaction.atomic():
        _close_cancelled(agency)
        _sms_sweep(agency)
        if enabled is False:
            return 0
        item, book = WorkItem._meta.db_table, BookPolicy._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {item} (
                    kind, book_policy_id, customer_id, line_code, end_date, premium, commission,
                    state, queue, attempts, unanswered_days, last_result, outcome, channel,
                    elsewhere_insurer, points, created_on, created_at, updated_at
                )
                SELECT %s, b.id, b.customer_id, b.line_code, b.end_date, b.premium, b.commission,
                       %s, %s, 0, 0, '', '', '', '', 0, %s, now(), now()
                FROM {book} b
                WHERE b.origin = %s AND b.state <> %s AND b.issued_on BETWEEN %s AND %s
                ORDER BY b.id
                ON CONFLICT DO NOTHING
                """,  # noqa: S608 - table names from the models, values bound
                [
                    Kind.FOLLOWUP,
                    WorkItem.State.OPEN,
                    WorkItem.Queue.CALLS,
                    day,
                    BookPolicy.Origin.LEDGER,
                    BookPolicy.State.CANCELLED,
                    day - dt.timedelta(days=WINDOW_DAYS - 1),
                    day,
                ],
            )
            return max(cursor.rowcount, 0)


def _close_cancelled(agency: Any) -> None:
    """Open follow-ups of policies cancelled since: closed (a staff member with one would
    otherwise stay behind for ever)."""
    now = timezone.now()
    for item in WorkItem.objects.select_for_update(of=("self",)).filter(
        kind=Kind.FOLLOWUP, state=WorkItem.State.OPEN, book_policy__state=BookPolicy.State.CANCELLED
    ):
        WorkItem.objects.filter(pk=item.pk).update(
            state=WorkItem.State.CLOSED,
            outcome=WorkItem.Outcome.CANCELLED,
            closed_at=now,
            next_call_at=None,
            due_at=None,
            updated_at=now,
        )
        audit_record(
            agency=agency,
            actor=None,
            action="renewal_item.closed",
            target=item,
            changes={"outcome": ("", WorkItem.Outcome.CANCELLED)},
            actor_label=SYSTEM_ACTOR,
        )


def _sms_sweep(agency: Any) -> None:
    from renewals.tasks_followup import renewals_followup_return_sms

    stale = FollowupReturn.objects.filter(
        sms_message_id__isnull=True, created_at__lt=timezone.now() - SMS_SWEEP_AFTER
    ).values_list("pk", flat=True)
    for pk in stale:
        enqueue_on_commit(renewals_followup_return_sms, agency.schema_name, pk)


# ---- a call's result --------------------------------------------------------------------


def _tehran_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, tehran())


def _copy(source: WorkItem, target: WorkItem) -> None:
    """The caller's instance shows what was saved."""
    for field in WorkItem._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _locked_followup(item: WorkItem) -> WorkItem:
    locked = WorkItem.objects.select_for_update().filter(pk=item.pk).first()
    if locked is None or locked.kind != Kind.FOLLOWUP:
        raise FollowupRefused(_("This is not a follow-up call."), code="not_followup")
    if locked.state != WorkItem.State.OPEN:
        raise FollowupRefused(
            _("This follow-up is already closed; nothing more can be recorded on it."),
            code="closed",
        )
    return locked


def followup_result_record(
    *, agency: Any, actor: Any, item: WorkItem, result: str, note: str = ""
) -> CallResult:
    """Record a follow-up call (``FOLLOWUP_RESULTS``) by the staff member whose list has the
    item, or by an owner or manager. Confirmed or a complaint (with its note) closes the
    item; not reachable counts the day (see the module) and has the item called again the
    next day, or sends it back at the third day; a wrong number sends it back at once."""
    if result not in FOLLOWUP_RESULTS:
        raise ValidationError({"result": [_("Choose what the call came to.")]})
    note = normalized(CallResult, "note", note or "")
    if result == Result.COMPLAINT and not note.strip():
        raise ValidationError({"note": [_("Write down the customer's complaint.")]})
    with agency_write(agency):
        locked = _locked_followup(item)
        if locked.assigned_to_user_id != actor_id(actor):
            membership = membership_get(user=actor, agency_id=agency.pk)
            if membership is None or not membership.can_manage:
                raise FollowupRefused(
                    _("This follow-up call is on another staff member's list."), code="not_yours"
                )
        if locked.queue != WorkItem.Queue.CALLS:
            raise FollowupRefused(
                _("This customer's contact details are waiting to be corrected; call after that."),
                code="waiting_correction",
            )
        policy_state = BookPolicy.objects.values_list("state", flat=True).get(
            pk=locked.book_policy_id
        )
        if policy_state == BookPolicy.State.CANCELLED:
            raise FollowupRefused(
                _("This policy was cancelled; there is nothing to follow up."), code="cancelled"
            )
        now = timezone.now()
        today = _tehran_day(now)
        before = {
            "queue": locked.queue,
            "unanswered_days": locked.unanswered_days,
            "state": locked.state,
            "outcome": locked.outcome,
        }
        locked.attempts += 1
        sent_back = ""
        if result in FOLLOWUP_FINAL_RESULTS:
            locked.state = WorkItem.State.CLOSED
            locked.outcome = result
            locked.closed_at = now
            locked.closed_by_user_id = actor_id(actor)
            locked.credited_user_id = locked.assigned_to_user_id
            locked.next_call_at = None
            locked.due_at = None
        elif result == Result.NOT_REACHABLE:
            same_day = (
                locked.unanswered_days > 0
                and locked.last_result == Result.NOT_REACHABLE
                and locked.last_result_at is not None
                and _tehran_day(locked.last_result_at) == today
            )
            if not same_day:
                locked.unanswered_days += 1
            if locked.unanswered_days >= UNANSWERED_LIMIT:
                sent_back = FollowupReturn.Reason.UNANSWERED
            else:
                call_at = clock.next_call_back(clock.at(today + dt.timedelta(days=1), dt.time(0)))
                locked.next_call_at = call_at
                locked.due_at = clock.due_at(_tehran_day(call_at))
        else:  # a wrong number
            sent_back = FollowupReturn.Reason.WRONG_NUMBER
            CustomerPhone.objects.filter(
                customer_id=locked.customer_id,
                number=Customer.objects.values_list("mobile", flat=True).get(pk=locked.customer_id),
                marked_wrong_at__isnull=True,
            ).update(marked_wrong_at=now)
        if sent_back:
            locked.queue = WorkItem.Queue.CORRECT_DETAILS
            locked.next_call_at = None
            locked.due_at = None  # waiting for the agency, not for the staff member
        locked.last_result = result
        locked.last_result_at = now
        locked.save()
        call = CallResult.objects.create(
            item=locked, result=result, note=note, by_user_id=actor_id(actor)
        )
        after = {
            "queue": locked.queue,
            "unanswered_days": locked.unanswered_days,
            "state": locked.state,
            "outcome": locked.outcome,
        }
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.result",
            target=locked,
            changes={
                "last_result": ("", result),
                **{key: (before[key], after[key]) for key in before if before[key] != after[key]},
            },
        )
        if sent_back:
            _send_back(agency=agency, actor=actor, item=locked, reason=sent_back, now=now)
    _copy(locked, item)
    return call


def _send_back(*, agency: Any, actor: Any, item: WorkItem, reason: str, now: dt.datetime) -> None:
    """Mark the customer's details inaccurate and tell the agency (an SMS, on commit)."""
    from renewals.tasks_followup import renewals_followup_return_sms

    Customer.objects.filter(pk=item.customer_id).update(contact_inaccurate_at=now, updated_at=now)
    back = FollowupReturn.objects.create(item=item, reason=reason, by_user_id=actor_id(actor))
    audit_record(
        agency=agency,
        actor=actor,
        action="renewal_item.inaccurate",
        target=item,
        changes={"queue": (WorkItem.Queue.CALLS, WorkItem.Queue.CORRECT_DETAILS)},
    )
    enqueue_on_commit(renewals_followup_return_sms, agency.schema_name, back.pk)


# ---- the agency's SMS -------------------------------------------------------------------


def owner_mobile(agency: Any) -> str:
    """The mobile of the agency's (first) active owner, or "" when it has none."""
    return (
        AgencyMembership.objects.filter(
            agency_id=agency.pk,
            role=AgencyMembership.Role.OWNER,
            is_active=True,
            user__is_active=True,
        )
        .order_by("id")
        .values_list("user__mobile", flat=True)
        .first()
        or ""
    )


def followup_return_sms(*, agency: Any, return_id: int) -> int | None:
    """The task's work: text the agency's owner about a case sent back, once. The row is
    locked and the message queued only while it names none, so a task run twice (or the
    day's sweep after it) sends one SMS. Returns the message's id (None: no such row, or
    no owner to text)."""
    from core.sms import sms_queue

    schema_require(agency)
    with transaction.atomic():
        back = FollowupReturn.objects.select_for_update().filter(pk=return_id).first()
        if back is None:
            return None
        if back.sms_message_id is not None:
            return back.sms_message_id
        to = owner_mobile(agency)
        if not to:
            return None
        item = WorkItem.objects.select_related("customer", "book_policy").get(pk=back.item_id)
        values = {
            "agency": agency.name,
            "customer": item.customer.display_name,
            "number": item.book_policy.number or "—",
        }
        with translation.override(settings.LANGUAGE_CODE):
            if back.reason == FollowupReturn.Reason.WRONG_NUMBER:
                body = _(
                    "%(agency)s: the follow-up call to %(customer)s (policy %(number)s) "
                    "reached a wrong number. Correct the contact details in the panel, "
                    "under Details to correct."
                )
            else:
                body = _(
                    "%(agency)s: the follow-up call to %(customer)s (policy %(number)s) went "
                    "unanswered on three days. Correct the contact details in the panel, "
                    "under Details to correct."
                )
        message = sms_queue(to=to, body=body % values, kind=SMS_KIND, agency_id=agency.pk)
        FollowupReturn.objects.filter(pk=back.pk).update(sms_message_id=message.pk, sms_to=to)
    return message.pk


# ---- corrected details ------------------------------------------------------------------


def _cleaned(value: str, *, kind: str, field: str) -> PhoneInput | None:
    if not (value or "").strip():
        return None
    try:
        return phone_clean(PhoneInput(number=value, kind=kind))
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def followup_details_corrected(
    *, agency: Any, actor: Any, item: WorkItem, mobile: str = "", phone: str = ""
) -> WorkItem:
    """The agency corrected the customer's contact details of a case sent back: a new
    mobile (made the customer's primary one) and/or another phone, through the CRM's
    contact services (normalised, audited). The item goes back to the calls list with its
    count of unanswered days cleared, to be called again today. Refused for an item not
    waiting for a correction (closed, or on the calls list) and when nothing changed."""
    new_mobile = _cleaned(mobile, kind=CustomerPhone.Kind.MOBILE, field="mobile")
    new_phone = _cleaned(phone, kind="", field="phone")
    if new_mobile is None and new_phone is None:
        raise ValidationError(_("Enter the customer's correct mobile or phone number."))
    with agency_write(agency):
        locked = _locked_followup(item)
        if locked.queue != WorkItem.Queue.CORRECT_DETAILS:
            raise FollowupRefused(
                _("This follow-up is not waiting for its contact details to be corrected."),
                code="not_waiting",
            )
        customer = Customer.objects.select_for_update().get(pk=locked.customer_id)
        numbers = set(
            CustomerPhone.objects.filter(customer=customer).values_list("number", flat=True)
        )
        changed = False
        if new_mobile is not None and new_mobile.number != customer.mobile:
            customer_phone_add(
                agency=agency, actor=actor, customer=customer, phone=new_mobile, primary=True
            )
            changed = True
        if (
            new_phone is not None
            and new_phone.number not in numbers
            and (new_mobile is None or new_phone.number != new_mobile.number)
        ):
            customer_phone_add(agency=agency, actor=actor, customer=customer, phone=new_phone)
            changed = True
        if not changed:
            raise FollowupRefused(
                _("The customer already has these numbers; nothing was corrected."),
                code="unchanged",
            )
        now = timezone.now()
        Customer.objects.filter(pk=customer.pk).update(contact_inaccurate_at=None, updated_at=now)
        before = (locked.queue, locked.unanswered_days)
        locked.queue = WorkItem.Queue.CALLS
        locked.unanswered_days = 0
        locked.next_call_at = now
        locked.due_at = clock.due_at(_tehran_day(now))
        locked.save()
        FollowupReturn.objects.filter(item=locked, corrected_at__isnull=True).update(
            corrected_at=now, corrected_by_user_id=actor_id(actor)
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.corrected",
            target=locked,
            changes={
                "queue": (before[0], locked.queue),
                "unanswered_days": (before[1], 0),
            },
        )
    _copy(locked, item)
    return locked


# ---- the pages' lists -------------------------------------------------------------------


def followup_calls_due(*, user_id: int, day: dt.date) -> Any:
    """A staff member's open follow-up calls to make on ``day`` (Tehran): those to call
    that day or earlier, or at once; on the partial index of staff lists."""
    return (
        WorkItem.objects.filter(
            kind=Kind.FOLLOWUP,
            state=WorkItem.State.OPEN,
            queue=WorkItem.Queue.CALLS,
            assigned_to_user_id=user_id,
        )
        .filter(
            models.Q(next_call_at__isnull=True)
            | models.Q(next_call_at__lt=clock.at(day + dt.timedelta(days=1), dt.time(0)))
        )
        .exclude(book_policy__state=BookPolicy.State.CANCELLED)
        .select_related("customer", "book_policy")
        .order_by(models.F("next_call_at").asc(nulls_first=True), "id")
    )


def followup_corrections() -> Any:
    """The agency's follow-ups sent back, waiting for corrected contact details."""
    return (
        WorkItem.objects.filter(
            kind=Kind.FOLLOWUP,
            state=WorkItem.State.OPEN,
            queue=WorkItem.Queue.CORRECT_DETAILS,
        )
        .select_related("customer", "book_policy")
        .order_by("last_result_at", "id")
    )
