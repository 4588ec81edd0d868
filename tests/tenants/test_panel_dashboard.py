"""The panel's dashboard (S-4.1): figures and per-day charts of the agency's own sales,
offers and SMS, for the chosen period; never another agency's."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core.jalali import format_jalali_date, tehran
from core.models import SmsMessage
from policies.models import Order, Policy
from referrals.models import Offer, Referral
from tenants.panel.dashboard import collect, period_for
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
_numbers = iter(range(1, 10_000))


def sell(agency, line, tariff, customer, premium: str, *, days_ago: int = 0) -> Policy:
    order = make_order(
        line=line, tariff=tariff, customer=customer, agency=agency, state="issued", premium=premium
    )
    n = next(_numbers)
    policy = Policy.objects.create(
        order=order,
        number=f"1405-99-{n:06d}",
        line=line,
        jalali_year=1405,
        sequence=n,
        agency=agency,
        customer=customer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=Decimal(premium),
        tariff_version=tariff,
        verification_code=f"V{n:09d}",
    )
    Policy.objects.filter(pk=policy.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return policy


@pytest.fixture
def sales(agency, other_agency, line, tariff, customer):
    sell(agency, line, tariff, customer, "1000000")
    sell(agency, line, tariff, customer, "2000001", days_ago=1)
    sell(agency, line, tariff, customer, "3000000", days_ago=3)
    sell(agency, line, tariff, customer, "9000000", days_ago=45)  # outside 30 days
    sell(other_agency, line, tariff, customer, "7777777")  # never counted for A
    make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")


def figures(agency, key="30d"):
    cards, charts = collect(agency=agency, period=period_for(key))
    return {card.key: card.value for card in cards}, {chart.key: chart for chart in charts}


def test_sales_figures_are_exact_and_the_agencys_own(agency, sales):
    cards, charts = figures(agency)
    assert cards["policies_sold"] == "3"
    assert cards["premium"] == "6,000,001"
    assert cards["commission"] == "0"  # settlement computes it at issuance (tests/settlement)
    assert cards["awaiting_issue"] == "1"
    chart = charts["sales_per_day"]
    assert len(chart.labels) == 30
    today = format_jalali_date(timezone.localdate(timezone=tehran()))
    assert chart.labels[-1] == today
    counts = chart.datasets[0]["data"]
    assert counts[-1] == 1 and counts[-2] == 1 and counts[-4] == 1 and sum(counts) == 3
    assert chart.datasets[1]["data"][-2] == 2000001


def test_the_year_period_counts_older_sales(agency, sales):
    cards, _charts = figures(agency, "year")
    # 45 days ago may fall in last Jalali year near Farvardin; count what the period holds.
    period = period_for("year")
    expected = Policy.objects.filter(agency=agency, issued_at__gte=period.start).count()
    assert cards["policies_sold"] == str(expected) and expected >= 3


def test_the_other_agency_sees_only_its_own(other_agency, sales):
    cards, _charts = figures(other_agency)
    assert (cards["policies_sold"], cards["premium"]) == ("1", "7,777,777")
    assert cards["awaiting_issue"] == "0"


def test_offer_figures_and_average_time_to_accept(agency, other_agency, line, tariff, customer):
    now = timezone.now()
    for minutes, state in ((4, "accepted"), (8, "accepted"), (0, "expired"), (0, "waiting")):
        order = make_order(line=line, tariff=tariff, customer=customer, state="paid")
        referral = Referral.objects.create(
            order=order, latitude=Decimal("35.7"), longitude=Decimal("51.4")
        )
        offer = Offer.objects.create(
            referral=referral,
            agency=agency,
            wave=1,
            distance_m=1000,
            expires_at=now + dt.timedelta(minutes=10),
            state=state,
        )
        Offer.objects.filter(pk=offer.pk).update(
            offered_at=now - dt.timedelta(minutes=20),
            answered_at=now - dt.timedelta(minutes=20 - minutes) if state == "accepted" else None,
        )
    cards, charts = figures(agency)
    assert (cards["offers_waiting"], cards["offers_accepted"], cards["offers_expired"]) == (
        "1",
        "2",
        "1",
    )
    assert cards["accept_minutes"] == "6.0"
    assert charts["offers"].datasets[0]["data"][:2] == [2, 1]
    other_cards, _ = figures(other_agency)
    assert other_cards["offers_accepted"] == "0" and other_cards["accept_minutes"] == "—"


def test_sms_sent_per_day(agency, other_agency):
    for agency_id, status in (
        (agency.pk, "sent"),
        (agency.pk, "sent"),
        (agency.pk, "failed"),
        (other_agency.pk, "sent"),
    ):
        SmsMessage.objects.create(to="09120000000", body="x", agency_id=agency_id, status=status)
    cards, charts = figures(agency)
    assert cards["sms_sent"] == "2"
    assert charts["sms_per_day"].datasets[0]["data"][-1] == 2


def test_the_page_carries_the_charts_as_json_and_chart_js(client, agency, sales):
    client.force_login(agency.memberships.get().user)
    html = client.get("/?period=month", HTTP_HOST=PANEL).content.decode()
    assert "vendor/chart.js/dist/chart.umd.min.js" in html
    assert "js/panel-dashboard.js" in html
    data = json.loads(
        re.search(
            r'<script id="chart-data-sales_per_day" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert data["kind"] == "bar" and len(data["datasets"]) == 2
    assert (
        'id="card-policies_sold"' in html and 'class="nav-link active" href="?period=month"' in html
    )


def test_an_unknown_period_is_the_last_30_days():
    assert period_for("forever").key == "30d"
    assert len(period_for(None).days()) == 30


def test_sales_of_an_order_still_being_offered_are_not_the_agencys(agency, line, tariff, customer):
    make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
    cards, _ = figures(agency)
    assert cards["awaiting_issue"] == "0"
