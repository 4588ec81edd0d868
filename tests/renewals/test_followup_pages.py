"""The follow-up calls' pages (decision 044): a staff member's calls of the day with the
result form (HTMX), the agency's "details to correct" with the correction form, and their
query counts at 5 and 50 items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AgencyMembership
from core.jalali import format_jalali_date
from crm.models import BookPolicy, Customer
from renewals.models import CallResult, WorkItem
from renewals.services import clock
from tests.crm.conftest import inside, owner_of
from tests.renewals.conftest import add_staff
from tests.renewals.test_followup import sold

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
HTMX = {"HTTP_HOST": PANEL, "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff(agency) -> list[AgencyMembership]:
    return list(AgencyMembership.objects.filter(user_id__in=add_staff(agency, 2)))


def given(agency, member: AgencyMembership | None, count: int = 1, **fields) -> list[WorkItem]:
    """``count`` follow-up items of policies issued today, given to ``member``."""
    today = clock.today()
    policies = [
        sold(
            agency,
            issued_on=today,
            delivery_method=BookPolicy.Delivery.COURIER,
            delivery_date=today + dt.timedelta(days=1),
        )
        for _ in range(count)
    ]
    with inside(agency):
        items = list(
            WorkItem.objects.bulk_create(
                WorkItem(
                    kind="followup",
                    book_policy=policy,
                    customer_id=policy.customer_id,
                    line_code=policy.line_code,
                    end_date=policy.end_date,
                    premium=policy.premium,
                    created_on=today,
                    assigned_to_user_id=member.user_id if member else None,
                    assigned_on=today if member else None,
                    due_at=clock.due_at(today),
                    **fields,
                )
                for policy in policies
            )
        )
    return items


def test_my_calls_of_the_day(client, agency, sale_line, staff):
    mine = given(agency, staff[0])[0]
    given(agency, staff[1])  # someone else's
    tomorrow = clock.at(clock.today() + dt.timedelta(days=1), dt.time(9, 30))
    given(agency, staff[0], next_call_at=tomorrow)  # not today
    given(agency, staff[0], queue="correct_details")  # waiting for a correction
    client.force_login(staff[0].user)
    page = client.get("/renewals/followup/", HTTP_HOST=PANEL)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="card mb-3"') == 1 and f'id="followup-{mine.pk}"' in body
    with inside(agency):
        policy = BookPolicy.objects.select_related("customer").get(pk=mine.book_policy_id)
    assert policy.customer.display_name in body
    assert "بدنه خودرو" in body  # the line's name, not its code
    assert "crm_motor" not in body
    assert format_jalali_date(policy.issued_on) in body  # Jalali, Persian digits
    assert "پیک" in body  # the delivery method, in Persian
    assert format_jalali_date(policy.delivery_date) in body
    assert "۱۴۰۵-۹۷-" in body  # the policy number in Persian digits
    assert f'name="f{mine.pk}-result"' in body
    assert "style=" not in body
    assert 'id="nav-panel-renewal-followup"' in body


def test_recording_a_result_with_htmx(client, agency, sale_line, staff):
    item = given(agency, staff[0])[0]
    client.force_login(staff[0].user)
    url = f"/renewals/followup/{item.pk}/result/"
    missing = client.post(url, {f"f{item.pk}-result": "complaint"}, **HTMX)
    assert missing.status_code == 200
    assert (
        "invalid-feedback" in missing.content.decode() or "alert-danger" in missing.content.decode()
    )
    reply = client.post(url, {f"f{item.pk}-result": "not_reachable"}, **HTMX)
    assert reply.status_code == 200
    body = reply.content.decode()
    assert f'id="followup-{item.pk}"' in body and "alert-success" in body
    assert "<html" not in body  # the card only
    with inside(agency):
        item.refresh_from_db()
        assert (item.attempts, item.unanswered_days) == (1, 1)
    # Without HTMX: back to the list, which no longer shows it today.
    other = given(agency, staff[0])[0]
    plain = client.post(
        f"/renewals/followup/{other.pk}/result/",
        {f"f{other.pk}-result": "confirmed"},
        HTTP_HOST=PANEL,
    )
    assert plain.status_code == 302
    with inside(agency):
        other.refresh_from_db()
        assert other.outcome == "confirmed"
    listing = client.get("/renewals/followup/", HTTP_HOST=PANEL).content.decode()
    assert f'id="followup-{item.pk}"' not in listing
    assert f'id="followup-{other.pk}"' not in listing


def test_another_staff_members_item_is_refused_on_the_page(client, agency, sale_line, staff):
    item = given(agency, staff[0])[0]
    client.force_login(staff[1].user)
    reply = client.post(
        f"/renewals/followup/{item.pk}/result/", {f"f{item.pk}-result": "confirmed"}, **HTMX
    )
    assert reply.status_code == 200
    assert "کارمند دیگری" in reply.content.decode()
    with inside(agency):
        assert not CallResult.objects.exists()
    assert client.get(f"/renewals/followup/{item.pk}/result/", HTTP_HOST=PANEL).status_code == 405


def test_details_to_correct_and_back_on_the_list(client, agency, sale_line, staff):
    item = given(agency, staff[0], queue="correct_details", last_result="not_reachable")[0]
    with inside(agency):
        WorkItem.objects.filter(pk=item.pk).update(unanswered_days=3)
    for member in (owner_of(agency), staff[1].user):  # owners and staff alike
        client.force_login(member)
        page = client.get("/renewals/followup/correct/", HTTP_HOST=PANEL)
        assert page.status_code == 200
        body = page.content.decode()
        assert f'id="correction-{item.pk}"' in body and "style=" not in body
        assert "۳ روز بی‌پاسخ" in body
        assert "کارمند شماره 1" in body  # whose list it was on
        badge = client.get("/renewals/followup/badge/", HTTP_HOST=PANEL).content.decode()
        assert 'data-count="1"' in badge
    url = f"/renewals/followup/{item.pk}/correct/"
    with inside(agency):
        mobile = Customer.objects.get(pk=item.customer_id).mobile
    same = client.post(url, {f"c{item.pk}-mobile": mobile}, **HTMX)
    assert "alert-danger" in same.content.decode()
    reply = client.post(url, {f"c{item.pk}-mobile": "۰۹۱۲۷۷۷۶۶۵۵"}, **HTMX)
    assert reply.status_code == 200 and "alert-success" in reply.content.decode()
    with inside(agency):
        item.refresh_from_db()
        assert (item.queue, item.unanswered_days) == ("calls", 0)
        assert Customer.objects.get(pk=item.customer_id).mobile == "09127776655"
    client.force_login(staff[0].user)
    listing = client.get("/renewals/followup/", HTTP_HOST=PANEL).content.decode()
    assert f'id="followup-{item.pk}"' in listing  # called again today
    assert (
        'id="followup-corrections-empty"'
        in client.get("/renewals/followup/correct/", HTTP_HOST=PANEL).content.decode()
    )


@pytest.mark.parametrize(
    "path,queue",
    [("/renewals/followup/", "calls"), ("/renewals/followup/correct/", "correct_details")],
)
def test_query_counts_do_not_grow_with_the_list(client, agency, sale_line, staff, path, queue):
    client.force_login(staff[0].user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_HOST=PANEL)
            assert response.status_code == 200
        return len(queries)

    given(agency, staff[0], 5, queue=queue)
    count()  # the first request also stores the panel's agency in the session
    five = count()
    given(agency, staff[1], 45, queue=queue)
    given(agency, staff[0], 45 if queue == "calls" else 0, queue=queue)
    fifty = count()
    assert five == fifty, (five, fifty)
    assert five <= 14
