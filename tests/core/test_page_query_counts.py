"""Every page people read costs the same number of queries whatever the data holds: each
list, report and dashboard page of the panel (an owner), of the virtual branch (an admin) and
of the customer's account is opened with a few orders, then again after many more; the
counts must not move. The pages are found by walking the URLconfs (benchmarks._pages, the
same list the pages-at-scale benchmark times at 1,000,000 orders), so a new page is held to
it without being listed here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AgencyMembership
from benchmarks._pages import pages_of
from policies.services.issuance import policy_issue
from tenants.models import Agency
from tests.factories import create_user
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db

HOSTS = {
    "panel": ("panel.localhost", "config.urls_panel", ""),
    "ops": ("ops.localhost", "config.urls_ops", ""),
    "account": ("localhost", "config.urls_main", "account"),
}


def _sell(agency, line, tariff, buyer, operator, count: int) -> None:
    for _ in range(count):
        for order in (
            paid_order(line=line, tariff=tariff, customer=create_user(), agency=agency),
            paid_order(line=line, tariff=tariff, customer=buyer),
        ):
            policy_issue(order=order, actor=operator)
        paid_order(line=line, tariff=tariff, customer=buyer, agency=agency)  # waiting


def _counts(client: Client, host: str, urlconf: str, under: str) -> dict[str, int]:
    counts = {}
    for path in pages_of(urlconf, under=under):
        first = client.get(path, HTTP_HOST=host)
        if first.status_code != 200 or "text/html" not in first.get("Content-Type", ""):
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(path, HTTP_HOST=host)
        counts[path] = len(queries.captured_queries)
    return counts


@pytest.mark.parametrize("kind", HOSTS)
def test_every_page_costs_the_same_queries_with_three_sales_or_fifteen(
    kind, agency, motor_line, motor_tariff, buyer, operator
):
    Agency.objects.filter(pk=agency.pk).update(can_issue=False)
    agency.refresh_from_db()
    person = {
        "panel": agency.memberships.get(role=AgencyMembership.Role.OWNER).user,
        "ops": create_user(insurer_role="admin"),
        "account": buyer,
    }[kind]
    client = Client()
    client.force_login(person)
    host, urlconf, under = HOSTS[kind]
    _sell(agency, motor_line, motor_tariff, buyer, operator, 3)
    few = _counts(client, host, urlconf, under)
    _sell(agency, motor_line, motor_tariff, buyer, operator, 12)
    many = _counts(client, host, urlconf, under)
    assert len(few) >= {"panel": 30, "ops": 10, "account": 4}[kind], sorted(few)
    moved = {path: (few[path], many.get(path)) for path in few if many.get(path) != few[path]}
    assert not moved, f"queries that grew with the data (few, many): {moved}"
