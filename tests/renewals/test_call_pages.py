"""The calls pages: a staff member's lists (today, lapsed, find the number, all open), an
item's page recording results, the manager's view and re-assignment; constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.digits import to_latin_digits
from core.jalali import format_jalali_date
from crm.models import BookPolicy, Customer
from renewals.models import CallResult, DistributionRun, WorkItem
from renewals.services import clock
from tenants.models import Agency
from tests.factories import create_user
from tests.renewals.calls_fixtures import make_item
from tests.renewals.conftest import add_policy, add_staff, inside, owner_of

pytestmark = pytest.mark.django_db
PANEL = "panel.localhost"


@pytest.fixture
def staff(agency, sale_line) -> list:
    from django.contrib.auth import get_user_model

    ids = add_staff(agency, 2)
    return list(get_user_model().objects.filter(pk__in=ids).order_by("pk"))


def _get(client, path: str, **extra):
    return client.get(path, HTTP_HOST=PANEL, **extra)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert _get(client, path).status_code == 200
    return len(captured)


def test_my_list_shows_todays_items_with_names_never_codes(client, agency, staff):
    mine = make_item(agency, user_id=staff[0].pk, days_left=20)
    later = make_item(
        agency,
        user_id=staff[0].pk,
        next_call_at=clock.at(clock.today() + dt.timedelta(days=1), dt.time(10)),
    )
    theirs = make_item(agency, user_id=staff[1].pk)
    followup = make_item(agency, user_id=staff[0].pk, kind="followup")
    overdue = make_item(agency, user_id=staff[0].pk, given_on=clock.today() - dt.timedelta(days=3))
    client.force_login(staff[0])
    page = _get(client, "/renewals/")
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (mine, overdue):
        assert f'id="item-{shown.pk}"' in html
    for hidden in (later, theirs, followup):
        assert f'id="item-{hidden.pk}"' not in html
    assert "بدنه خودرو" in html and "crm_motor" not in html
    assert format_jalali_date(mine.end_date) in html
    assert f'id="item-{overdue.pk}" class="table-danger" data-overdue="1"' in html
    assert 'id="nav-panel-renewals"' in html and "تمدید" in html
    # Ordered by call time then expiry (never called: first, by expiry).
    assert html.index(f"item-{mine.pk}") < html.index(f"item-{overdue.pk}")
    # The "all open" tab has the later one; the HTMX request gets the table alone.
    partial = _get(client, "/renewals/?tab=all", HTTP_HX_REQUEST="true").content.decode()
    assert f'id="item-{later.pk}"' in partial and "<html" not in partial
    assert f'id="item-{theirs.pk}"' not in partial


def test_lapsed_and_find_the_number_tabs(client, agency, staff):
    lapsed = make_item(agency, user_id=staff[0].pk, kind="lapsed", days_left=-5)
    renewal = make_item(agency, user_id=staff[0].pk)
    wrong = make_item(agency, user_id=staff[1].pk, queue="find_number", due_at=None)
    client.force_login(staff[0])
    html = _get(client, "/renewals/?tab=lapsed").content.decode()
    assert f'id="item-{lapsed.pk}"' in html and f'id="item-{renewal.pk}"' not in html
    # An expired policy reads "5 days ago", never a negative number of days left.
    assert "۵ روز پیش" in html and "-۵" not in html
    item_html = _get(client, f"/renewals/items/{lapsed.pk}/").content.decode()
    assert "۵ روز پیش منقضی شده" in item_html
    # Anyone fills a number in: staff[0] sees staff[1]'s wrong number and fixes it.
    html = _get(client, "/renewals/?tab=find_number").content.decode()
    assert f'id="item-{wrong.pk}"' in html
    assert 'id="number-form"' in _get(client, f"/renewals/items/{wrong.pk}/").content.decode()
    response = client.post(
        f"/renewals/items/{wrong.pk}/number/", {"mobile": "۰۹۱۲۵۵۵۴۴۳۳"}, HTTP_HOST=PANEL
    )
    assert response.status_code == 302
    with inside(agency):
        wrong.refresh_from_db()
        assert wrong.queue == "calls"
        assert Customer.objects.get(pk=wrong.customer_id).mobile == "09125554433"


def test_the_item_page_records_a_call_back_and_the_item_leaves_todays_list(client, agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    client.force_login(staff[0])
    html = _get(client, f"/renewals/items/{item.pk}/").content.decode()
    assert 'id="result-form"' in html and "بدنه خودرو" in html
    assert f"/crm/customers/{item.customer_id}/" in html
    tomorrow = clock.today() + dt.timedelta(days=1)
    # Outside the windows: refused in Persian, with a proposal.
    refused = client.post(
        f"/renewals/items/{item.pk}/",
        {
            "result": "call_back",
            "call_back_date": format_jalali_date(tomorrow),
            "call_back_time": "12:00",
        },
        HTTP_HOST=PANEL,
    )
    assert refused.status_code == 200 and "تماس مجدد باید بین" in refused.content.decode()
    response = client.post(
        f"/renewals/items/{item.pk}/",
        {
            "result": "call_back",
            "call_back_date": format_jalali_date(tomorrow),
            "call_back_time": "10:00",
            "note": "گفت فردا صبح",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        item.refresh_from_db()
        assert item.next_call_at == clock.at(tomorrow, dt.time(10))
    assert f'id="item-{item.pk}"' not in _get(client, "/renewals/").content.decode()
    history = _get(client, f"/renewals/items/{item.pk}/").content.decode()
    assert "تماس مجدد" in history and "گفت فردا صبح" in history


def test_renewed_on_the_page_with_the_new_policy_of_the_same_customer(client, agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    with inside(agency):
        customer = Customer.objects.get(pk=item.customer_id)
    new = add_policy(agency, end_date=item.end_date + dt.timedelta(days=365), customer=customer)
    stranger = add_policy(agency, end_date=item.end_date + dt.timedelta(days=365))
    client.force_login(staff[0])
    html = _get(client, f"/renewals/items/{item.pk}/").content.decode()
    assert f'value="{new.pk}"' in html and f'value="{stranger.pk}"' not in html
    response = client.post(
        f"/renewals/items/{item.pk}/",
        {"result": "renewed", "new_book_policy": str(new.pk), "channel": "call"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        item.refresh_from_db()
        assert (item.state, item.outcome, item.channel) == ("closed", "renewed", "call")
        assert BookPolicy.objects.get(pk=item.book_policy_id).renewed_by_id == new.pk


def test_another_staff_members_item_is_404_and_a_stranger_gets_nothing(client, agency, staff):
    item = make_item(agency, user_id=staff[1].pk)
    client.force_login(staff[0])
    assert _get(client, f"/renewals/items/{item.pk}/").status_code == 404
    assert (
        client.post(f"/renewals/items/{item.pk}/", {"result": "not_reachable"}, HTTP_HOST=PANEL)
    ).status_code == 404
    client.force_login(owner_of(agency))
    assert _get(client, f"/renewals/items/{item.pk}/").status_code == 200
    with inside(agency):
        assert not CallResult.objects.exists()


def test_a_suspended_agency_gets_the_inactive_page_and_records_nothing(client, agency, staff):
    item = make_item(agency, user_id=staff[0].pk)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    client.force_login(staff[0])
    assert _get(client, "/renewals/").status_code == 403
    response = client.post(
        f"/renewals/items/{item.pk}/", {"result": "not_reachable"}, HTTP_HOST=PANEL
    )
    assert response.status_code == 403
    with inside(agency):
        item.refresh_from_db()
        assert item.attempts == 0


def test_the_manager_sees_who_is_behind_runs_and_reassigns(client, agency, staff):
    behind = make_item(agency, user_id=staff[0].pk, given_on=clock.today() - dt.timedelta(days=3))
    make_item(agency, user_id=staff[1].pk)
    unassigned = make_item(agency, user_id=None)
    with inside(agency):
        DistributionRun.objects.create(
            kind="renewal",
            day=clock.today(),
            seed=123456789,
            shares={str(staff[0].pk): 1, str(staff[1].pk): 1},
            items=2,
        )
    client.force_login(staff[0])
    assert _get(client, "/renewals/manage/").status_code == 403
    client.force_login(owner_of(agency))
    html = _get(client, "/renewals/manage/").content.decode()
    assert f'id="staff-{staff[0].pk}" class="table-danger" data-behind="1"' in html
    assert f'id="staff-{staff[1].pk}">' in html
    assert "موارد در انتظار تقسیم: ۱" in html
    assert "۱۲۳۴۵۶۷۸۹" in html
    # Bulk re-assignment from the "all open" list.
    listing = _get(client, "/renewals/?tab=all").content.decode()
    assert f'id="pick-{behind.pk}"' in listing and f'id="pick-{unassigned.pk}"' in listing
    response = client.post(
        "/renewals/manage/reassign/",
        {"items": [behind.pk, unassigned.pk], "user_id": staff[1].pk, "tab": "all"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        assert set(
            WorkItem.objects.filter(pk__in=[behind.pk, unassigned.pk]).values_list(
                "assigned_to_user_id", flat=True
            )
        ) == {staff[1].pk}
    # One item from its page.
    client.post(f"/renewals/items/{behind.pk}/reassign/", {"user_id": staff[0].pk}, HTTP_HOST=PANEL)
    with inside(agency):
        assert WorkItem.objects.get(pk=behind.pk).assigned_to_user_id == staff[0].pk
    # Staff may not re-assign.
    client.force_login(staff[1])
    assert (
        client.post(
            f"/renewals/items/{behind.pk}/reassign/", {"user_id": staff[1].pk}, HTTP_HOST=PANEL
        ).status_code
        == 403
    )


def _fill(agency, staff, count: int) -> WorkItem:
    items = [make_item(agency, user_id=staff[0].pk) for _ in range(count)]
    with inside(agency):
        for index, item in enumerate(items[:count]):
            CallResult.objects.create(
                item=item, result="not_reachable", by_user_id=staff[index % 2].pk
            )
    return items[0]


def test_query_counts_do_not_grow_with_the_list(client, agency, staff):
    first = _fill(agency, staff, 5)
    client.force_login(staff[0])
    small = {
        path: _queries(client, path)
        for path in ("/renewals/", "/renewals/?tab=all", f"/renewals/items/{first.pk}/")
    }
    client.force_login(owner_of(agency))
    small["manage"] = _queries(client, "/renewals/manage/")
    small["all-owner"] = _queries(client, "/renewals/?tab=all")
    # Ten more results on the first item, 45 more items.
    with inside(agency):
        for _ in range(10):
            CallResult.objects.create(item=first, result="not_reachable", by_user_id=staff[1].pk)
    _fill(agency, staff, 45)
    extra = create_user(first_name="کارمند", last_name="تازه")
    from accounts.models import AgencyMembership

    AgencyMembership.objects.create(user=extra, agency=agency, role="staff")
    client.force_login(staff[0])
    big = {
        path: _queries(client, path)
        for path in ("/renewals/", "/renewals/?tab=all", f"/renewals/items/{first.pk}/")
    }
    client.force_login(owner_of(agency))
    big["manage"] = _queries(client, "/renewals/manage/")
    big["all-owner"] = _queries(client, "/renewals/?tab=all")
    assert small == big
    assert to_latin_digits("۰") == "0"


def test_a_run_is_marked_fair_only_when_the_engine_can_verify_it(
    client, agency, staff, monkeypatch
):
    import sys
    import types

    with inside(agency):
        run = DistributionRun.objects.create(
            kind="renewal", day=clock.today(), seed=42, shares={str(staff[0].pk): 3}, items=3
        )
    client.force_login(owner_of(agency))
    fake = types.ModuleType("renewals.services.distribution")
    fake.distribution_verify = lambda checked: checked.pk == run.pk  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "renewals.services.distribution", fake)
    html = _get(client, "/renewals/manage/").content.decode()
    assert f'id="run-{run.pk}-fair"' in html and "تقسیم منصفانه تأیید شد" in html
    fake.distribution_verify = lambda checked: False  # type: ignore[attr-defined]
    html = _get(client, "/renewals/manage/").content.decode()
    assert f'id="run-{run.pk}-fair"' not in html and "تأییدنشده" in html
