"""The panel's sales list with its filters and the agency's customers (S-4.2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from policies.models import Line, Order, Policy, TariffVersion
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


def listed(client, query: str = "") -> list[str]:
    html = client.get(f"/sales/{query}", HTTP_HOST=PANEL).content.decode()
    return re.findall(r'href="/sales/([0-9a-f-]{36})/"', html)


@pytest.fixture
def orders(agency, other_agency, line, tariff, customer):
    travel = Line.objects.create(code="travel_t", number_code=98, name="سفر آزمایشی")
    travel_tariff = TariffVersion.objects.create(line=travel, number=1, status="active")
    old = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    issued = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="issued")
    Policy.objects.create(
        order=issued,
        number="1405-99-000777",
        line=line,
        jalali_year=1405,
        sequence=777,
        agency=agency,
        customer=customer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=issued.premium,
        tariff_version=tariff,
        verification_code="LISTTEST01",
    )
    trip = make_order(
        line=travel, tariff=travel_tariff, customer=customer, agency=agency, state="paid"
    )
    foreign = make_order(
        line=line, tariff=tariff, customer=customer, agency=other_agency, state="paid"
    )
    draft = make_order(line=line, tariff=tariff, customer=customer, agency=agency)
    return {
        "old": old,
        "issued": issued,
        "trip": trip,
        "foreign": foreign,
        "draft": draft,
        "travel": travel,
    }


@pytest.fixture
def owner_client(client, agency):
    client.force_login(agency.memberships.get().user)
    return client


def ids(*orders) -> set[str]:
    return {str(order.public_id) for order in orders}


def test_the_list_has_the_agencys_orders_past_draft(owner_client, orders):
    assert set(listed(owner_client)) == ids(orders["old"], orders["issued"], orders["trip"])


def test_each_filter_alone_and_combined(owner_client, orders):
    assert set(listed(owner_client, f"?line={orders['travel'].pk}")) == ids(orders["trip"])
    assert set(listed(owner_client, "?state=issued")) == ids(orders["issued"])
    today = "۱۴۰۵/۰۱/۰۱"  # far enough back to hold every order but the 40-day-old one
    from core.jalali import format_jalali_date

    ten_days_ago = format_jalali_date(timezone.localdate() - dt.timedelta(days=10))
    assert set(listed(owner_client, f"?date_from={ten_days_ago}")) == ids(
        orders["issued"], orders["trip"]
    )
    assert set(listed(owner_client, f"?date_to={ten_days_ago}")) == ids(orders["old"])
    assert set(listed(owner_client, f"?date_from={today}&state=paid")) >= ids(orders["trip"])
    assert set(
        listed(owner_client, f"?state=paid&line={orders['travel'].pk}&date_from={ten_days_ago}")
    ) == ids(orders["trip"])


def test_search_by_order_or_policy_number(owner_client, orders):
    assert set(listed(owner_client, "?q=1405-99-000777")) == ids(orders["issued"])
    number = orders["trip"].number  # 0000123
    assert set(listed(owner_client, f"?q={number}")) == ids(orders["trip"])
    persian = number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert set(listed(owner_client, f"?q={persian}")) == ids(orders["trip"])
    # Another agency's order number finds nothing here.
    assert listed(owner_client, f"?q={orders['foreign'].number}") == []


def test_a_bad_date_is_explained_in_persian_and_the_list_stays(owner_client, orders):
    response = owner_client.get("/sales/?date_from=1405/13/45&state=paid", HTTP_HOST=PANEL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "تاریخ" in re.search(r'invalid-feedback d-block">([^<]+)<', html).group(1)
    assert len(set(re.findall(r'href="/sales/([0-9a-f-]{36})/"', html))) == 3


def test_filters_survive_pagination(
    owner_client, orders, agency, line, tariff, customer, monkeypatch
):
    import policies.panel_views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")
    html = owner_client.get("/sales/?state=paid", HTTP_HOST=PANEL).content.decode()
    assert "?state=paid&amp;after=" in html


def _next_link(html: str) -> str | None:
    found = re.search(r'class="page-link keyset-next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pages_reach_every_order_once_newest_first(
    owner_client, orders, agency, line, tariff, customer, monkeypatch
):
    """Keyset pages (decision 059): following "Next" lists each order of the agency once, in
    the list's order, whatever the page size; orders made at the same instant are split by
    id, never skipped or repeated."""
    import policies.panel_views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    extra = [
        make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")
        for _ in range(4)
    ]
    same_instant = timezone.now() - dt.timedelta(days=3)
    Order.objects.filter(pk__in=[order.pk for order in extra]).update(created_at=same_instant)
    expected = [
        str(public_id)
        for public_id in Order.objects.filter(agency=agency)
        .exclude(state="draft")
        .order_by("-created_at", "-id")
        .values_list("public_id", flat=True)
    ]
    seen: list[str] = []
    query: str | None = ""
    pages = 0
    while query is not None:
        html = owner_client.get(f"/sales/{query}", HTTP_HOST=PANEL).content.decode()
        seen += re.findall(r'href="/sales/([0-9a-f-]{36})/"', html)
        query = _next_link(html)
        pages += 1
        assert pages < 10
    assert seen == expected and len(expected) == 7
    # A forged cursor starts again from the first page.
    assert listed(owner_client, "?after=forged") == expected[:2]


def test_a_deep_page_reads_the_agencys_index(owner_client, orders, agency):
    """The list's statement, with a cursor, is answered by the partial index
    order_agency_recent (agency, newest first, past the draft): no sort of the agency's
    orders, no offset."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.keyset import keyset_page
    from policies.selectors_issuance import agency_orders

    first = keyset_page(agency_orders(agency=agency), field="created_at", cursor=None, size=1)
    with CaptureQueriesContext(connection) as captured:
        keyset_page(
            agency_orders(agency=agency), field="created_at", cursor=first.next_cursor, size=1
        )
    (statement,) = [q["sql"] for q in captured if "policies_order" in q["sql"]]
    assert "OFFSET" not in statement.upper()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_agency_recent" in plan, plan
    assert "Sort" not in plan, plan


# ---- customers ------------------------------------------------------------------------------


def test_customers_who_signed_up_here_or_bought_here(
    owner_client, agency, other_agency, orders, customer
):
    signed_up = create_user(first_name="نسرین", signup_agency=agency)
    elsewhere = create_user(first_name="بیگانه", signup_agency=other_agency)
    html = owner_client.get("/customers/", HTTP_HOST=PANEL).content.decode()
    assert f"/customers/{signed_up.pk}/" in html and f"/customers/{customer.pk}/" in html
    assert f"/customers/{elsewhere.pk}/" not in html and "بیگانه" not in html
    row = re.search(rf"/customers/{customer.pk}/.*?</tr>", html, re.S).group(0)
    # Three orders and one policy here; the order at agency 686 and the draft do not count.
    assert re.findall(r"<td>([۰-۹]+)</td>", row) == ["۳", "۱"]


def test_customer_search_and_detail(owner_client, orders, customer, agency):
    assert (
        f"/customers/{customer.pk}/"
        in owner_client.get(
            f"/customers/?q={customer.mobile[-4:]}", HTTP_HOST=PANEL
        ).content.decode()
    )
    assert (
        f"/customers/{customer.pk}/"
        not in owner_client.get("/customers/?q=zzzz", HTTP_HOST=PANEL).content.decode()
    )
    detail = owner_client.get(f"/customers/{customer.pk}/", HTTP_HOST=PANEL).content.decode()
    assert str(orders["trip"].public_id) in detail
    assert str(orders["foreign"].public_id) not in detail


def test_another_agencys_customer_is_404(client, other_agency, agency):
    stranger = create_user(signup_agency=agency)
    client.force_login(other_agency.memberships.get().user)
    assert client.get(f"/customers/{stranger.pk}/", HTTP_HOST=PANEL).status_code == 404


def test_latin_digit_dates_filter_like_persian_ones(owner_client, orders):
    from core.jalali import format_jalali_date

    ten_days_ago = timezone.localdate() - dt.timedelta(days=10)
    latin = format_jalali_date(ten_days_ago, persian_digits=False)
    persian = format_jalali_date(ten_days_ago)
    assert set(listed(owner_client, f"?date_from={latin}")) == ids(orders["issued"], orders["trip"])
    assert listed(owner_client, f"?date_from={latin}") == listed(
        owner_client, f"?date_from={persian}"
    )


def test_the_detail_shows_the_orders_transactions_and_its_policy(owner_client, orders):
    from core.jalali import format_jalali_datetime
    from policies.models import Payment

    order = orders["issued"]
    started = timezone.now() - dt.timedelta(days=2, hours=3)
    verified = started + dt.timedelta(minutes=4)
    failed = Payment.objects.create(
        order=order, attempt=1, gateway="sandbox", amount=order.premium, state="failed"
    )
    paid = Payment.objects.create(
        order=order,
        attempt=2,
        gateway="sandbox",
        amount=order.premium,
        state="succeeded",
        reference="987654321012",
        verified_at=verified,
    )
    Payment.objects.filter(pk__in=[failed.pk, paid.pk]).update(created_at=started)
    html = owner_client.get(f"/sales/{order.public_id}/", HTTP_HOST=PANEL).content.decode()
    table = re.search(r'id="order-payments">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    assert len(rows) == 2
    succeeded = next(row for row in rows if "۹۸۷۶۵۴۳۲۱۰۱۲" in row)
    assert "۱۲٬۳۴۵٬۰۰۰" in succeeded  # amount, in rials
    assert format_jalali_datetime(started) in succeeded
    assert format_jalali_datetime(verified) in succeeded
    assert "۱۴۰۵-۹۹-۰۰۰۷۷۷" in re.search(r'id="order-policy">(.*?)</dl>', html, re.S).group(1)


def test_a_customer_search_survives_pagination_encoded(owner_client, agency, monkeypatch):
    import policies.panel_customer_views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    for _ in range(2):
        create_user(first_name="مینا & یاران", signup_agency=agency)
    html = owner_client.get("/customers/?q=مینا %26 یاران", HTTP_HOST=PANEL).content.decode()
    assert "?q=%D9%85%DB%8C%D9%86%D8%A7+%26+%DB%8C%D8%A7%D8%B1%D8%A7%D9%86&amp;after=" in html


def test_a_full_name_finds_the_customer(owner_client, orders, customer):
    found = owner_client.get(
        f"/customers/?q={customer.first_name} {customer.last_name}", HTTP_HOST=PANEL
    ).content.decode()
    assert f"/customers/{customer.pk}/" in found
    assert (
        f"/customers/{customer.pk}/"
        not in owner_client.get(
            f"/customers/?q={customer.first_name} ناشناس", HTTP_HOST=PANEL
        ).content.decode()
    )


def test_the_customer_pages_reach_everyone_once(owner_client, agency, orders, monkeypatch):
    """Keyset pages over the agency's customers: following "Next" lists each person once,
    newest sign-up first, people who joined at the same instant split by id."""
    import policies.panel_customer_views as views
    from accounts.models import User

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    people = [create_user(first_name=f"نفر{n}", signup_agency=agency) for n in range(4)]
    User.objects.filter(pk__in=[p.pk for p in people[:3]]).update(
        date_joined=timezone.now() - dt.timedelta(days=2)
    )
    seen: list[str] = []
    query: str | None = ""
    while query is not None:
        html = owner_client.get(f"/customers/{query}", HTTP_HOST=PANEL).content.decode()
        seen += re.findall(r'href="/customers/(\d+)/"', html)
        query = _next_link(html)
        assert len(seen) < 20
    expected = [p.pk for p in sorted(people, key=lambda p: (p.date_joined, p.pk), reverse=True)]
    people_seen = [int(pk) for pk in seen]
    assert len(people_seen) == len(set(people_seen))
    # The four new people, in order, among everyone the agency has (its buyer too).
    assert [pk for pk in people_seen if pk in expected] == [
        p.pk for p in User.objects.filter(pk__in=expected).order_by("-date_joined", "-id")
    ]
    assert orders["issued"].customer_id in people_seen
