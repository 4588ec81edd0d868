"""The account page (decision 052): the latest rows of each list with a link to the whole
list, read a page at a time by keyset (every order of a customer with more than a hundred),
and the sections and policy actions the apps above register."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies.services.issuance import policy_issue
from tenants import storefront
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order


def _orders_on(client, url: str) -> tuple[list[str], str | None]:
    page = client.get(url, HTTP_HOST="localhost").content.decode()
    found = re.findall(r'data-order="([^"]+)"', page)
    following = re.search(r'class="page-link keyset-next" href="\?after=([^"]+)"', page)
    return found, (following.group(1) if following else None)


def test_a_customer_with_130_orders_sees_every_one_a_page_at_a_time(
    client, motor_line, motor_tariff, buyer
):
    orders = [paid_order(line=motor_line, tariff=motor_tariff, customer=buyer) for _ in range(130)]
    client.force_login(buyer)
    account = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert len(re.findall(r'<tr data-order="', account)) == 10
    assert 'href="/account/orders/"' in account  # "all my orders"

    seen: list[str] = []
    url = "/account/orders/"
    pages = 0
    while True:
        found, after = _orders_on(client, url)
        seen += found
        pages += 1
        if after is None:
            break
        url = f"/account/orders/?after={after}"
    newest_first = [str(order.public_id) for order in reversed(orders)]
    assert seen == newest_first  # all 130, none twice, in order
    assert pages == 6  # 25 a page


def test_a_deep_page_costs_what_the_first_costs_and_a_forged_cursor_starts_over(
    client, motor_line, motor_tariff, buyer
):
    for _ in range(60):
        paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)
    client.force_login(buyer)
    client.get("/account/orders/", HTTP_HOST="localhost")  # warm the session and caches
    with CaptureQueriesContext(connection) as first:
        _found, after = _orders_on(client, "/account/orders/")
    with CaptureQueriesContext(connection) as second:
        _orders_on(client, f"/account/orders/?after={after}")
    assert len(first.captured_queries) == len(second.captured_queries)
    forged, _next = _orders_on(client, "/account/orders/?after=not-a-cursor")
    start, _next = _orders_on(client, "/account/orders/")
    assert forged == start and len(start) == 25


def test_another_customers_orders_never_appear_on_my_pages(
    client, motor_line, motor_tariff, buyer, operator
):
    from tests.factories import create_user

    theirs = create_user(mobile="09350000001")
    hidden = {
        str(paid_order(line=motor_line, tariff=motor_tariff, customer=theirs).public_id)
        for _ in range(30)
    }
    mine = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)
    client.force_login(buyer)
    for url in ("/account/", "/account/orders/", "/account/payments/", "/account/policies/"):
        page = client.get(url, HTTP_HOST="localhost").content.decode()
        assert not hidden & set(re.findall(r'data-order="([^"]+)"', page)), url
    assert (
        str(mine.public_id)
        in client.get("/account/orders/", HTTP_HOST="localhost").content.decode()
    )


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(storefront, "_sections", {})
    monkeypatch.setattr(storefront, "_policy_actions", {})
    storefront.account_section_register(
        key="probe",
        title="Probe section",
        template="policies/account/_payments.html",
        context=lambda request: {"payments": []},
    )
    storefront.policy_action_register(
        key="probe",
        label="Probe action",
        url_name="policies:policy-pdf",
        applies=lambda policy, today: policy.end_date >= today,
    )


def test_sections_and_policy_actions_appear_where_they_apply(
    client, motor_line, motor_tariff, buyer, operator, registered
):
    import datetime as dt

    current = policy_issue(
        order=paid_order(line=motor_line, tariff=motor_tariff, customer=buyer), actor=operator
    )
    ended = policy_issue(
        order=paid_order(line=motor_line, tariff=motor_tariff, customer=buyer), actor=operator
    )
    ended.end_date = dt.date(2020, 1, 1)
    ended.save(update_fields=["end_date"])
    client.force_login(buyer)
    page = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert 'id="my-probe"' in page and "Probe section" in page
    assert page.count('class="policy-probe') == 1
    assert f'href="/policies/{current.number}/pdf/" class="policy-probe' in page
    with pytest.raises(Exception, match="already has a section"):
        storefront.account_section_register(
            key="probe", title="Other", template="x.html", context=lambda request: {}
        )


def test_the_account_page_costs_the_same_for_three_orders_or_thirty(
    client, motor_line, motor_tariff, buyer, operator
):
    def count() -> int:
        client.get("/account/", HTTP_HOST="localhost")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/account/", HTTP_HOST="localhost").status_code == 200
        return len(queries.captured_queries)

    client.force_login(buyer)
    for _ in range(3):
        policy_issue(
            order=paid_order(line=motor_line, tariff=motor_tariff, customer=buyer), actor=operator
        )
    few = count()
    for _ in range(27):
        policy_issue(
            order=paid_order(line=motor_line, tariff=motor_tariff, customer=buyer), actor=operator
        )
    assert count() == few
