"""Referral acceptance (S-5.5): offers per agency and overall, acceptance rates, medians,
averages and 90th percentiles of the agency's reaction and of the customer's wait, and the
referrals that fell through to the virtual branch (the `referrals` fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from reports.periods import DateRange
from reports.selectors import referral_report
from reports.tables import minutes
from tests.reports.conftest import ABAN, ABAN_QUERY, OPS
from tests.reports.pages import chart_data, html_table, same_value, sheet_rows, workbook

pytestmark = pytest.mark.django_db


def seconds(value: dt.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def test_figures_per_agency_and_overall_are_exact(referrals):
    report = referral_report(period=ABAN)
    a, b = report.agencies
    assert (a.agency.code, b.agency.code) == (701, 702)
    assert (a.offers, a.accepted, a.declined, a.expired, a.withdrawn, a.waiting) == (
        4,
        2,
        1,
        1,
        0,
        0,
    )
    assert (b.offers, b.accepted, b.declined, b.expired, b.withdrawn, b.waiting) == (
        4,
        1,
        0,
        2,
        1,
        0,
    )
    assert (a.acceptance_percent, b.acceptance_percent) == (Decimal("50.00"), Decimal("25.00"))
    # 701 reacted after 120 s and 240 s; its customers waited 120 s and 840 s.
    assert [seconds(t) for t in (a.reaction.median, a.reaction.average, a.reaction.p90)] == [
        180,
        180,
        228,
    ]
    assert [seconds(t) for t in (a.wait.median, a.wait.average, a.wait.p90)] == [480, 480, 768]
    assert [seconds(t) for t in (b.reaction.median, b.reaction.average, b.reaction.p90)] == [
        300,
        300,
        300,
    ]
    assert seconds(b.wait.median) == 900
    overall = report.overall
    assert (overall.offers, overall.accepted, overall.declined, overall.expired) == (8, 3, 1, 3)
    assert overall.acceptance_percent == Decimal("37.50")
    # Over every accepted offer, not an average of the agencies' medians: 120, 240, 300 s.
    assert [seconds(t) for t in (overall.reaction.median, overall.reaction.p90)] == [240, 288]
    assert seconds(overall.reaction.average) == 220
    assert [seconds(t) for t in (overall.wait.median, overall.wait.p90)] == [840, 888]
    assert seconds(overall.wait.average) == 620
    assert (report.referrals, report.accepted, report.fallen, report.open, report.closed) == (
        4,
        3,
        1,
        0,
        0,
    )
    assert minutes(overall.reaction.average) == Decimal("3.7")


def test_the_date_range_is_the_referrals_start(referrals):
    mehr = referral_report(period=DateRange(dt.date(2026, 9, 23), dt.date(2026, 10, 22)))
    assert [(row.agency.code, row.offers, row.accepted) for row in mehr.agencies] == [(701, 1, 1)]
    assert seconds(mehr.overall.reaction.median) == 30
    assert (mehr.referrals, mehr.fallen) == (1, 0)


def test_nothing_accepted_gives_no_times(network):
    report = referral_report(period=ABAN)
    assert report.agencies == [] and report.overall.offers == 0
    assert report.overall.reaction.median is None and report.overall.acceptance_percent is None


def test_the_page_its_charts_and_its_excel_file(client, referrals, operator):
    client.force_login(operator)
    html = client.get("/reports/referrals/", ABAN_QUERY, HTTP_HOST=OPS).content.decode()
    header, rows = html_table(html, "table-offers")
    with translation.override("fa"):
        assert header[3:5] == [_("Offers"), _("Accepted")]
        assert rows[2][0] == _("All agencies")
    assert rows[0] == [
        "۷۰۱",
        "نمایندگی تهران",
        "تهران",
        "۴",
        "۲",
        "۱",
        "۱",
        "۰",
        "۰",
        "۵۰٫۰۰",
        "۳٫۰",
        "۳٫۰",
        "۳٫۸",
        "۸٫۰",
        "۸٫۰",
        "۱۲٫۸",
    ]
    assert rows[2][3:] == [
        "۸",
        "۳",
        "۱",
        "۳",
        "۱",
        "۰",
        "۳۷٫۵۰",
        "۴٫۰",
        "۳٫۷",
        "۴٫۸",
        "۱۴٫۰",
        "۱۰٫۳",
        "۱۴٫۸",
    ]
    _header, outcomes = html_table(html, "table-referrals")
    assert outcomes == [["۴", "۳", "۱", "۰", "۰"]]
    times = chart_data(html, "referral-times")
    assert times["labels"] == ["نمایندگی تهران", "کارگزاری اصفهان"]
    assert [dataset["data"] for dataset in times["datasets"]] == [[3.0, 5.0], [8.0, 15.0]]
    assert chart_data(html, "referral-outcomes")["datasets"][0]["data"] == [3, 1, 0, 0]

    response = client.get("/reports/referrals/", {**ABAN_QUERY, "format": "xlsx"}, HTTP_HOST=OPS)
    book = workbook(response)
    sheet = sheet_rows(book, 0)
    assert sheet[0] == header and len(sheet) == 1 + len(rows)
    for shown, stored in zip(rows, sheet[1:], strict=True):
        assert all(same_value(a, b) for a, b in zip(shown, stored, strict=True)), (shown, stored)
    assert sheet[1][3:10] == [4, 2, 1, 1, 0, 0, 50]
    assert sheet[2][10:] == [5, 5, 5, 15, 15, 15]
    assert sheet_rows(book, 1)[1] == [4, 3, 1, 0, 0]
