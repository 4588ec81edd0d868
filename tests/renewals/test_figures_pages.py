"""The renewal figures and settings pages in the panel (decision 045): Persian digits and
Jalali months, staff see only their own figures, owners and managers everything; query
counts that do not grow with the rows; Excel from the page; the dashboard's card and chart;
the settings and service staff forms; a suspended agency changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import AgencyMembership
from core.models import AuditLog
from crm.models import Customer, Region
from renewals.models import RenewalSettings, ServiceStaff, WorkItem
from renewals.selectors.figures import month_of
from renewals.services.clock import today as tehran_today
from tenants.models import Agency
from tests.renewals.conftest import add_policy, add_staff, inside, owner_of

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
M = Decimal(1_000_000)


def _get(client, path: str, **params):
    return client.get(path, params, HTTP_HOST=PANEL)


def _post(client, path: str, data: dict):
    return client.post(path, data, HTTP_HOST=PANEL)


def _member(agency, user_id: int):
    return AgencyMembership.objects.get(agency=agency, user_id=user_id).user


def _this_month_days() -> list[dt.date]:
    month = month_of(tehran_today())
    return [month.first + dt.timedelta(days=n) for n in range((month.last - month.first).days + 1)]


def _book(agency, staff: list[int], *, regions: int = 1, per_staff: int = 2, tag: str = "") -> None:
    """Policies expiring this month, given to ``staff`` in turn; the first of each renewed
    (credited, today) and in ``regions`` regions."""
    days = _this_month_days()
    with inside(agency):
        places = [Region.objects.create(name=f"ناحیه {tag}{n}") for n in range(regions)]
    count = 0
    for user_id in staff:
        for index in range(per_staff):
            place = places[count % regions]
            count += 1
            with inside(agency):
                person = Customer.objects.create(first_name="م", last_name="ش", region=place)
            policy = add_policy(
                agency, end_date=days[count % len(days)], premium=10 * M, customer=person
            )
            with inside(agency):
                renewed = index == 0
                WorkItem.objects.create(
                    kind="renewal",
                    book_policy=policy,
                    customer=person,
                    line_code=policy.line_code,
                    end_date=policy.end_date,
                    premium=policy.premium,
                    assigned_to_user_id=user_id,
                    assigned_on=days[0],
                    state="closed" if renewed else "open",
                    outcome="renewed" if renewed else "",
                    credited_user_id=user_id if renewed else None,
                    points=10 if renewed else 0,
                    renewal_premium=12 * M if renewed else None,
                    closed_at=dt.datetime.now(tz=dt.UTC) if renewed else None,
                    created_on=days[0],
                )
                if renewed:
                    policy.state = "renewed"
                    policy.save(update_fields=["state"])


def _queries(client, path: str, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = _get(client, path, **params)
    assert page.status_code == 200, page.status_code
    return len(queries), page.content.decode()


def test_the_owner_sees_everyone_in_persian_with_the_nav_and_settings_links(
    client, agency, sale_line
):
    staff = add_staff(agency, 2)
    _book(agency, staff)
    client.force_login(owner_of(agency))
    page = _get(client, "/renewals/figures/").content.decode()
    assert 'id="nav-panel-renewal-figures"' in page
    assert page.count('class="retention-row"') == 2
    assert "کارمند شماره 1" in page and "کارمند شماره 2" in page
    assert month_of(tehran_today()).label in page  # the period's month, Jalali, Persian digits
    assert 'id="rate-count">۵۰٪<' in page  # two renewed of four due
    assert "crm_motor" not in page
    by_line = _get(client, "/renewals/figures/", group="line").content.decode()
    assert "بدنه خودرو" in by_line
    settings_page = _get(client, "/settings/").content.decode()
    assert 'id="renewal-settings-link"' in settings_page


def test_staff_see_only_their_own_figures(client, agency, sale_line):
    mine, theirs = add_staff(agency, 2)
    _book(agency, [mine, theirs])
    client.force_login(_member(agency, mine))
    page = _get(client, "/renewals/figures/").content.decode()
    assert page.count('class="retention-row"') == 1
    assert f'data-key="{mine}"' in page and f'data-key="{theirs}"' not in page
    assert "کارمند شماره 2" not in page
    assert 'id="tab-settings"' not in page
    points = _get(client, "/renewals/figures/points/").content.decode()
    assert f'data-user="{mine}"' in points and f'data-user="{theirs}"' not in points
    assert 'id="points-total"' not in points
    # Their Excel file holds their own figures only.
    response = _get(client, "/renewals/figures/", format="xlsx")
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True)["کارمند"].values)
    assert [row[0] for row in rows[1:]] == ["کارمند شماره 1", "جمع"]
    assert rows[-1][1:3] == (2, 1)
    # Settings are for owners and managers.
    assert _get(client, "/renewals/settings/").status_code == 403
    assert _post(client, "/renewals/settings/", {"points_per_renewal": 1}).status_code == 403
    assert 'id="renewal-settings-link"' not in _get(client, "/settings/").content.decode()


def test_the_page_s_excel_file_matches_the_page(client, agency, sale_line):
    staff = add_staff(agency, 3)
    _book(agency, staff, regions=2)
    client.force_login(owner_of(agency))
    response = _get(client, "/renewals/figures/", format="xlsx", group="region")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    regions = {row[0]: row[1:] for row in list(book["منطقه"].values)[1:]}
    assert regions["ناحیه 0"][:2] == (3, 3) and regions["ناحیه 1"][:2] == (3, 0)
    assert regions["جمع"][:2] == (6, 3)
    assert regions["جمع"][7:10] == (60_000_000, 30_000_000, 36_000_000)


@pytest.mark.parametrize("path", ["/renewals/figures/", "/renewals/figures/points/"])
def test_pages_cost_the_same_queries_for_5_and_50_rows(client, agency, sale_line, path):
    client.force_login(owner_of(agency))
    _book(agency, add_staff(agency, 5), regions=5, per_staff=1)
    _queries(client, path)  # the session warm
    few, page = _queries(client, path, group="region")
    assert page.count('class="retention-row"') == 5 or page.count('class="points-row"') == 5
    _book(agency, add_staff(agency, 45), regions=45, per_staff=1, tag="ب")
    many, page = _queries(client, path, group="region")
    assert page.count('class="retention-row"') == 50 or page.count('class="points-row"') == 50
    assert few == many <= 14


def test_the_settings_page_costs_the_same_for_5_and_50_members(client, agency):
    client.force_login(owner_of(agency))
    add_staff(agency, 4)
    _queries(client, "/renewals/settings/")
    few, page = _queries(client, "/renewals/settings/")
    assert page.count('class="staff-row"') == 5
    add_staff(agency, 45)
    many, page = _queries(client, "/renewals/settings/")
    assert page.count('class="staff-row"') == 50
    assert few == many <= 14
    assert "style=" not in page


def test_points_page_shows_each_day_and_staff_member(client, agency, sale_line):
    staff = add_staff(agency, 2)
    _book(agency, staff)
    client.force_login(owner_of(agency))
    page = _get(client, "/renewals/figures/points/").content.decode()
    assert page.count('class="points-row"') == 2
    assert page.count('class="daily-row"') == 1  # both renewed today
    assert "۲۴٬۰۰۰٬۰۰۰" in page  # the day's total premium: 2 × 12,000,000 rials
    assert 'id="points-total"' in page


def test_the_dashboard_shows_this_month_s_rate_and_chart(client, agency, sale_line):
    _book(agency, add_staff(agency, 2))
    client.force_login(owner_of(agency))
    page = _get(client, "/").content.decode()
    assert 'id="card-renewal_rate_month"' in page
    assert 'data-value="۵۰٪"' in page or 'data-value="50%"' in page
    assert 'id="chart-renewals_month"' in page
    assert "تمدیدشده در برابر قابل تمدید این ماه" in page


def test_the_owner_changes_settings_and_a_member_s_leave_in_jalali(client, agency):
    (member,) = add_staff(agency, 1)
    client.force_login(owner_of(agency))
    response = _post(
        client,
        "/renewals/settings/",
        {"points_per_renewal": "۱۵", "lapsed_horizon_days": "45", "followup_enabled": ""},
    )
    assert response.status_code == 302
    with inside(agency):
        row = RenewalSettings.objects.get(pk=1)
        assert (row.points_per_renewal, row.lapsed_horizon_days, row.followup_enabled) == (
            15,
            45,
            False,
        )
    prefix = f"m{member}"
    response = _post(
        client,
        "/renewals/settings/staff/",
        {
            "user_id": member,
            f"{prefix}-user_id": member,
            f"{prefix}-in_pool": "on",
            f"{prefix}-leave_from": "۱۴۰۵/۰۳/۱۰",
            f"{prefix}-leave_until": "1405/03/20",
        },
    )
    assert response.status_code == 302
    with inside(agency):
        row = ServiceStaff.objects.get(user_id=member)
        assert (row.in_pool, row.leave_from, row.leave_until) == (
            True,
            dt.date(2026, 5, 31),
            dt.date(2026, 6, 10),
        )
    page = _get(client, "/renewals/settings/").content.decode()
    assert "۱۴۰۵/۰۳/۱۰" in page  # the leave in Jalali, Persian digits
    assert 'value="۱۵"' in page and 'value="۴۵"' in page
    # A leave ending before it starts: refused beside the field, nothing changed.
    response = _post(
        client,
        "/renewals/settings/staff/",
        {
            "user_id": member,
            f"{prefix}-user_id": member,
            f"{prefix}-leave_from": "1405/03/10",
            f"{prefix}-leave_until": "1405/03/01",
        },
    )
    assert response.status_code == 400
    assert "روز پایان مرخصی پیش از روز آغاز آن است." in response.content.decode()
    with inside(agency):
        assert ServiceStaff.objects.get(user_id=member).leave_until == dt.date(2026, 6, 10)
    # Someone else's member: refused.
    response = _post(
        client,
        "/renewals/settings/staff/",
        {"user_id": 999999, "m999999-user_id": 999999, "m999999-in_pool": "on"},
    )
    assert response.status_code == 400
    assert "این شخص عضو فعال نمایندگی نیست." in response.content.decode()
    assert AuditLog.objects.filter(action="renewal_staff.updated").count() == 1
    assert AuditLog.objects.filter(action="renewal_settings.updated").count() == 1


def test_a_suspended_agency_s_owner_changes_nothing(client, agency):
    (member,) = add_staff(agency, 1)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    client.force_login(owner_of(agency))
    assert _post(client, "/renewals/settings/", {"points_per_renewal": 50}).status_code == 403
    response = _post(
        client,
        "/renewals/settings/staff/",
        {"user_id": member, f"m{member}-user_id": member, f"m{member}-in_pool": ""},
    )
    assert response.status_code == 403
    assert _get(client, "/renewals/figures/").status_code == 403
    agency.refresh_from_db()
    with inside(agency):
        assert RenewalSettings.objects.get(pk=1).points_per_renewal == 10
        assert not ServiceStaff.objects.exists()
