"""Call results on renewal and lapsed items (S-7.3, seed 004's windows), a number found,
a re-assignment: each rule, each refusal in Persian, each audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AgencyMembership
from core.jalali import tehran
from core.models import AuditLog
from crm.models import BookPolicy, Customer
from renewals.models import CallResult, Channel, RenewalSettings, Result
from renewals.services import clock
from renewals.services.assignment import item_reassign
from renewals.services.results import number_found, result_record
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.factories import create_user
from tests.renewals.calls_fixtures import make_item
from tests.renewals.conftest import add_policy, add_staff, inside, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(agency) -> list:
    ids = add_staff(agency, 2)
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(pk__in=ids).order_by("pk"))


def _record(agency, actor, item, **kwargs):
    with inside(agency):
        return result_record(agency=agency, actor=actor, item=item, **kwargs)


def _actions(agency, item) -> list[str]:
    return list(
        AuditLog.objects.filter(
            agency_id=agency.pk, target_type="renewals.workitem", target_id=str(item.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def _tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    return clock.at(clock.today() + dt.timedelta(days=1), dt.time(hour, minute))


def test_call_back_in_a_window_comes_back_that_day_due_by_17_the_next(agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    when = _tomorrow_at(10)
    call = _record(agency, staff[0], item, result=Result.CALL_BACK, call_back_at=when)
    with inside(agency):
        item.refresh_from_db()
        assert (item.state, item.queue, item.next_call_at) == ("open", "calls", when)
        assert item.due_at == clock.due_at(when.astimezone(tehran()).date())
        assert (item.attempts, item.last_result) == (1, "call_back")
        assert CallResult.objects.get(pk=call.pk).call_back_at == when
    assert _actions(agency, item) == ["renewal_item.result"]


@pytest.mark.parametrize(
    "moment,says",
    [
        (lambda: _tomorrow_at(12), "۰۹:۳۰"),  # between the windows
        (lambda: _tomorrow_at(8), "۰۹:۳۰"),
        (lambda: timezone.now() - dt.timedelta(hours=1), "گذشته"),
        (lambda: None, "زمان"),
    ],
)
def test_a_call_back_outside_the_windows_or_past_is_refused_with_a_proposal(
    agency, staff, moment, says
):
    item = make_item(agency, user_id=staff[0].pk)
    with pytest.raises(ValidationError) as refused:
        _record(agency, staff[0], item, result=Result.CALL_BACK, call_back_at=moment())
    text = " ".join(refused.value.messages)
    assert says in text
    with inside(agency):
        item.refresh_from_db()
        assert (item.attempts, item.last_result) == (0, "")
        assert not CallResult.objects.exists()


def test_will_renew_and_not_reachable_come_back_at_a_first_window(agency, staff):
    today = clock.today()
    will = make_item(agency, user_id=staff[0].pk)
    unreachable = make_item(agency, user_id=staff[0].pk)
    _record(agency, staff[0], will, result=Result.WILL_RENEW)
    _record(agency, staff[0], unreachable, result=Result.NOT_REACHABLE)
    with inside(agency):
        will.refresh_from_db()
        unreachable.refresh_from_db()
    two_days = clock.next_call_back(clock.at(today + dt.timedelta(days=2), dt.time(0)))
    next_day = clock.next_call_back(clock.at(today + dt.timedelta(days=1), dt.time(0)))
    assert will.next_call_at == two_days
    assert unreachable.next_call_at == next_day
    assert unreachable.next_call_at.astimezone(next_day.tzinfo).time() == dt.time(9, 30)
    assert will.due_at == clock.due_at(two_days.astimezone(tehran()).date())
    assert will.state == unreachable.state == "open"


@pytest.mark.parametrize(
    "result,outcome",
    [
        (Result.DECLINED_PRICE, "declined_price"),
        (Result.DECLINED_SOLD, "declined_sold"),
        (Result.RENEWED_ELSEWHERE, "renewed_elsewhere"),
    ],
)
def test_declines_and_renewed_elsewhere_close_the_item_credited(agency, staff, result, outcome):
    item = make_item(agency, user_id=staff[0].pk)
    extra = {"elsewhere_insurer": "other"} if result == Result.RENEWED_ELSEWHERE else {}
    _record(agency, staff[0], item, result=result, **extra)
    with inside(agency):
        item.refresh_from_db()
    assert (item.state, item.outcome, item.credited_user_id) == ("closed", outcome, staff[0].pk)
    assert item.closed_by_user_id == staff[0].pk and item.closed_at is not None
    assert item.elsewhere_insurer == ("other" if extra else "")
    assert _actions(agency, item) == ["renewal_item.result", "renewal_item.closed"]
    with pytest.raises(ValidationError, match="بسته"):
        _record(agency, staff[0], item, result=Result.WILL_RENEW)


def test_renewed_elsewhere_needs_an_insurer_of_the_list(agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    for insurer in ("", "nobody"):
        with pytest.raises(ValidationError) as refused:
            _record(
                agency, staff[0], item, result=Result.RENEWED_ELSEWHERE, elsewhere_insurer=insurer
            )
        assert "elsewhere_insurer" in refused.value.message_dict


def test_renewed_links_the_new_policy_closes_with_points_and_channel(agency, staff):
    with inside(agency):
        RenewalSettings.objects.update_or_create(pk=1, defaults={"points_per_renewal": 7})
    item = make_item(agency, user_id=staff[0].pk)
    with inside(agency):
        customer = Customer.objects.get(pk=item.customer_id)
        old = BookPolicy.objects.get(pk=item.book_policy_id)
    new = add_policy(agency, end_date=old.end_date + dt.timedelta(days=365), customer=customer)
    other_line = add_policy(agency, end_date=old.end_date, customer=customer, line_code="fire")
    with pytest.raises(ValidationError) as refused:
        _record(agency, staff[0], item, result=Result.RENEWED)
    assert "new_book_policy" in refused.value.message_dict
    with pytest.raises(ValidationError, match="رشته"):
        _record(agency, staff[0], item, result=Result.RENEWED, new_book_policy=other_line)
    with pytest.raises(ValidationError):
        _record(agency, staff[0], item, result=Result.RENEWED, new_book_policy=new, channel="site")
    _record(
        agency,
        staff[0],
        item,
        result=Result.RENEWED,
        new_book_policy=new,
        channel=Channel.IN_PERSON,
    )
    with inside(agency):
        item.refresh_from_db()
        old.refresh_from_db()
    assert (old.state, old.renewed_by_id) == ("renewed", new.pk)
    assert (item.state, item.outcome, item.channel) == ("closed", "renewed", "in_person")
    assert (item.points, item.credited_user_id, item.attempts) == (7, staff[0].pk, 1)
    assert item.last_result == "renewed"
    actions = _actions(agency, item)
    assert actions == ["renewal_item.closed", "renewal_item.result"]


def test_wrong_number_goes_to_find_the_number_and_a_number_found_brings_it_back(agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    _record(agency, staff[0], item, result=Result.WRONG_NUMBER)
    with inside(agency):
        item.refresh_from_db()
    assert (item.queue, item.assigned_to_user_id, item.due_at) == ("find_number", staff[0].pk, None)
    with pytest.raises(ValidationError, match="شماره"):
        _record(agency, staff[0], item, result=Result.NOT_REACHABLE)
    # Anyone of the agency may fill the number in; a bad one is refused on the mobile.
    with inside(agency), pytest.raises(ValidationError) as refused:
        number_found(agency=agency, actor=staff[1], item=item, mobile="12345")
    assert "mobile" in refused.value.message_dict
    with inside(agency):
        number_found(agency=agency, actor=staff[1], item=item, mobile="۰۹۱۲ ۷۷۷ ۶۶۵۵")
        item.refresh_from_db()
        customer = Customer.objects.get(pk=item.customer_id)
    assert customer.mobile == "09127776655"
    assert (item.queue, item.assigned_to_user_id) == ("calls", staff[0].pk)
    assert item.next_call_at <= timezone.now() and item.due_at == clock.due_at(clock.today())
    assert "renewal_item.number_found" in _actions(agency, item)
    with inside(agency), pytest.raises(ValidationError):
        number_found(agency=agency, actor=staff[1], item=item, mobile="09127776655")


def test_only_the_assignee_or_an_owner_records_and_followups_are_refused(agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    with pytest.raises(ValidationError, match="مدیر"):
        _record(agency, staff[1], item, result=Result.NOT_REACHABLE)
    stranger = create_user(first_name="غریبه", last_name="بیرونی")
    with pytest.raises(ValidationError):
        _record(agency, stranger, item, result=Result.NOT_REACHABLE)
    _record(agency, owner_of(agency), item, result=Result.NOT_REACHABLE)
    followup = make_item(agency, user_id=staff[0].pk, kind="followup")
    with pytest.raises(ValidationError, match="پیگیری"):
        _record(agency, staff[0], followup, result=Result.NOT_REACHABLE)
    with pytest.raises(ValidationError):
        _record(agency, staff[0], item, result=Result.CONFIRMED)


def test_a_suspended_agency_records_nothing(agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    with pytest.raises(AgencyNotActive):
        _record(agency, staff[0], item, result=Result.NOT_REACHABLE)
    with inside(agency):
        item.refresh_from_db()
        assert item.attempts == 0 and not CallResult.objects.exists()


def test_reassign_by_an_owner_to_a_candidate_only_audited(agency, staff):
    item = make_item(agency, user_id=staff[0].pk, given_on=clock.today() - dt.timedelta(days=5))
    with inside(agency), pytest.raises(ValidationError, match="مدیر"):
        item_reassign(agency=agency, actor=staff[0], item=item, user_id=staff[1].pk)
    owner = owner_of(agency)
    with inside(agency), pytest.raises(ValidationError) as refused:
        item_reassign(agency=agency, actor=owner, item=item, user_id=owner.pk)
    assert "user_id" in refused.value.message_dict
    leaver = add_staff(agency, 1)[0]
    AgencyMembership.objects.filter(user_id=leaver).update(is_active=False)
    with inside(agency), pytest.raises(ValidationError):
        item_reassign(agency=agency, actor=owner, item=item, user_id=leaver)
    with inside(agency):
        item_reassign(agency=agency, actor=owner, item=item, user_id=staff[1].pk)
        item.refresh_from_db()
    assert (item.assigned_to_user_id, item.assigned_on) == (staff[1].pk, clock.today())
    assert item.due_at == clock.due_at(clock.today())
    assert _actions(agency, item) == ["renewal_item.reassigned"]
