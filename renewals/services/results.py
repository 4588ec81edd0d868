"""Call results on renewal and lapsed items (S-7.3, seed 004), and a number found for an
item on the "find the number" list (decision 042)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core.jalali import format_jalali_datetime, tehran
from crm.models import BookPolicy, Customer
from crm.selectors.book import insurer_choices
from crm.services.base import actor_id, agency_write, audit_record
from crm.services.contacts import PhoneInput, customer_phone_add
from renewals.models import CallResult, Channel, Kind, Result, WorkItem
from renewals.services import clock
from renewals.services.closing import RenewalRefused, book_renewed

# The results a renewal or lapsed item takes (the follow-up's own are not among them).
CALL_RESULTS = (
    Result.RENEWED,
    Result.WILL_RENEW,
    Result.CALL_BACK,
    Result.NOT_REACHABLE,
    Result.DECLINED_PRICE,
    Result.DECLINED_SOLD,
    Result.RENEWED_ELSEWHERE,
    Result.WRONG_NUMBER,
)
# Who may be credited with a renewal recorded on the calls page.
CALL_CHANNELS = (Channel.CALL, Channel.IN_PERSON)
# "Will renew": called again two days later.
WILL_RENEW_DAYS = 2
_CLOSING = {
    Result.DECLINED_PRICE: WorkItem.Outcome.DECLINED_PRICE,
    Result.DECLINED_SOLD: WorkItem.Outcome.DECLINED_SOLD,
    Result.RENEWED_ELSEWHERE: WorkItem.Outcome.RENEWED_ELSEWHERE,
}


def member_of(agency: Any, actor: Any) -> AgencyMembership | None:
    """The actor's active membership of ``agency`` (None for anyone else)."""
    if not actor_id(actor):
        return None
    return (
        AgencyMembership.objects.filter(agency_id=agency.pk, user_id=actor.pk, is_active=True)
        .only("id", "role", "user_id", "agency_id")
        .first()
    )


def may_work(item: WorkItem, membership: AgencyMembership | None) -> bool:
    """Whether this member may record a result on ``item``: its assignee, or an owner or
    manager."""
    if membership is None:
        return False
    return membership.can_manage or item.assigned_to_user_id == membership.user_id


def _first_window(day: dt.date) -> dt.datetime:
    """The first call-back window on ``day`` (or the next working day's)."""
    return clock.next_call_back(clock.at(day, dt.time(0, 0)))


def renewal_candidates(item: WorkItem) -> list[BookPolicy]:
    """The policies that may be recorded as ``item``'s renewal: the same customer's, of the
    same line, not the old one, not cancelled and renewing nothing else yet."""
    return list(
        BookPolicy.objects.filter(customer_id=item.customer_id, line_code=item.line_code)
        .exclude(pk=item.book_policy_id)
        .exclude(state=BookPolicy.State.CANCELLED)
        .filter(renewal_of__isnull=True)
        .order_by("-end_date", "-id")[:20]
    )


def _locked(item: WorkItem) -> WorkItem:
    locked = WorkItem.objects.select_for_update().filter(pk=item.pk).first()
    if locked is None:
        raise ValidationError(_("This work item no longer exists."))
    return locked


def _refuse_unless_workable(item: WorkItem, membership: AgencyMembership | None) -> None:
    if item.kind == Kind.FOLLOWUP:
        raise ValidationError(_("Follow-up calls are recorded on their own page."))
    if item.state != WorkItem.State.OPEN:
        raise ValidationError(_("This work item is already closed."))
    if not may_work(item, membership):
        raise ValidationError(
            _("Only the staff member it is given to, or an owner or manager, can do this.")
        )


def _call_back_check(call_back_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    proposal = format_jalali_datetime(clock.next_call_back(now))
    if call_back_at is None:
        raise ValidationError(
            {"call_back_at": _("Choose when to call back, e.g. %(when)s.") % {"when": proposal}}
        )
    if call_back_at <= now:
        raise ValidationError(
            {"call_back_at": _("That time has passed; for example %(when)s.") % {"when": proposal}}
        )
    if not clock.in_call_back_window(call_back_at):
        raise ValidationError(
            {
                "call_back_at": _(
                    "Call backs are between 09:30 and 11:00 or 15:30 and 17:00 (Tehran "
                    "time); for example %(when)s."
                )
                % {"when": proposal}
            }
        )
    return call_back_at


def result_record(
    *,
    agency: Any,
    actor: Any,
    item: WorkItem,
    result: str,
    note: str = "",
    call_back_at: dt.datetime | None = None,
    elsewhere_insurer: str = "",
    new_book_policy: BookPolicy | None = None,
    channel: str = Channel.CALL,
) -> CallResult:
    """Record one call on a renewal or lapsed item and move the item on (see decision 042
    for each result's rule); refuses with a Persian message what cannot be recorded."""
    if result not in CALL_RESULTS:
        raise ValidationError({"result": _("Choose one of the listed results.")})
    with agency_write(agency):
        membership = member_of(agency, actor)
        locked = _locked(item)
        _refuse_unless_workable(locked, membership)
        if locked.queue != WorkItem.Queue.CALLS:
            raise ValidationError(
                _("This item is on the find-the-number list: record the number found first.")
            )
        now = timezone.now()
        today = clock.today()
        before = {
            "queue": locked.queue,
            "next_call_at": locked.next_call_at,
            "state": locked.state,
        }
        if result == Result.RENEWED:
            if channel not in CALL_CHANNELS:
                raise ValidationError({"channel": _("Choose by phone or in person.")})
            if new_book_policy is None:
                raise ValidationError({"new_book_policy": _("Choose the new policy.")})
            old = BookPolicy.objects.get(pk=locked.book_policy_id)
            try:
                book_renewed(
                    agency=agency, actor=actor, old=old, new=new_book_policy, channel=channel
                )
            except RenewalRefused as refused:
                raise ValidationError({"new_book_policy": str(refused)}) from refused
            locked.refresh_from_db()
        elif result in _CLOSING:
            if result == Result.RENEWED_ELSEWHERE:
                known = dict(insurer_choices())
                if elsewhere_insurer not in known:
                    raise ValidationError(
                        {"elsewhere_insurer": _("Choose the insurer it was renewed with.")}
                    )
                locked.elsewhere_insurer = elsewhere_insurer
            locked.state = WorkItem.State.CLOSED
            locked.outcome = _CLOSING[Result(result)]
            locked.credited_user_id = locked.assigned_to_user_id
            locked.closed_at = now
            locked.closed_by_user_id = actor_id(actor)
            locked.next_call_at = None
        elif result == Result.WILL_RENEW:
            locked.next_call_at = _first_window(today + dt.timedelta(days=WILL_RENEW_DAYS))
        elif result == Result.CALL_BACK:
            locked.next_call_at = _call_back_check(call_back_at, now)
        elif result == Result.NOT_REACHABLE:
            locked.next_call_at = _first_window(today + dt.timedelta(days=1))
        elif result == Result.WRONG_NUMBER:
            locked.queue = WorkItem.Queue.FIND_NUMBER
            locked.next_call_at = None
            # Out of the staff member's hands until a number is found: never overdue.
            locked.due_at = None
        if locked.state == WorkItem.State.OPEN and locked.next_call_at is not None:
            locked.due_at = clock.due_at(timezone.localdate(locked.next_call_at, tehran()))
        locked.attempts += 1  # the row is locked: no other call can count in between
        locked.last_result = result
        locked.last_result_at = now
        locked.save()
        call = CallResult.objects.create(
            item=locked,
            result=result,
            note=note,
            call_back_at=call_back_at if result == Result.CALL_BACK else None,
            elsewhere_insurer=locked.elsewhere_insurer
            if result == Result.RENEWED_ELSEWHERE
            else "",
            by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.result",
            target=locked,
            changes={
                "result": ("", result),
                **{
                    field: (old, getattr(locked, field))
                    for field, old in before.items()
                    if old != getattr(locked, field)
                },
            },
            actor_label="renewals",
        )
        if result in _CLOSING:
            audit_record(
                agency=agency,
                actor=actor,
                action="renewal_item.closed",
                target=locked,
                changes={"outcome": ("", locked.outcome)},
                actor_label="renewals",
            )
    item.refresh_from_db()
    return call


def number_found(*, agency: Any, actor: Any, item: WorkItem, mobile: str) -> WorkItem:
    """A better number for an item on the find-the-number list: the customer's primary
    mobile becomes it (crm's ``customer_phone_add`` normalises and audits it; the mobile is
    mirrored from the primary phone, which ``customer_update`` does not change) and the item goes back on
    its staff member's calls list, to be called today. Any member may fill one in."""
    with agency_write(agency):
        membership = member_of(agency, actor)
        locked = _locked(item)
        if membership is None:
            raise ValidationError(_("Only the agency's members can do this."))
        if locked.kind == Kind.FOLLOWUP:
            raise ValidationError(_("Follow-up calls are recorded on their own page."))
        if locked.state != WorkItem.State.OPEN:
            raise ValidationError(_("This work item is already closed."))
        if locked.queue != WorkItem.Queue.FIND_NUMBER:
            raise ValidationError(_("This item is not waiting for a number."))
        customer = Customer.objects.get(pk=locked.customer_id)
        try:
            customer_phone_add(
                agency=agency,
                actor=actor,
                customer=customer,
                phone=PhoneInput(number=mobile, kind="mobile"),
                primary=True,
            )
        except ValidationError as error:
            raise ValidationError({"mobile": error.messages}) from error
        now = timezone.now()
        locked.queue = WorkItem.Queue.CALLS
        locked.next_call_at = now
        locked.due_at = clock.due_at(clock.today())
        locked.save(update_fields=["queue", "next_call_at", "due_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.number_found",
            target=locked,
            changes={"queue": (WorkItem.Queue.FIND_NUMBER, WorkItem.Queue.CALLS)},
            actor_label="renewals",
        )
    item.refresh_from_db()
    return item
