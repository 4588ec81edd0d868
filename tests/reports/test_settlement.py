"""Settlement state (S-5.5): batches by state, items exported / confirmed / differing /
missing, the differences of the confirmations and the policies no batch has taken, per
business day and per agency (the `settlement` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from reports.selectors import settlement_report
from tests.reports.conftest import ABAN, ABAN_QUERY, OPS, M, jday
from tests.reports.pages import chart_data, html_table, same_value, sheet_rows, workbook

pytestmark = pytest.mark.django_db

FIGURES = (
    "batches_open",
    "batches_exported",
    "batches_confirmed",
    "batches_discrepant",
    "items",
    "items_amount",
    "exported_items",
    "exported_amount",
    "confirmed_items",
    "confirmed_amount",
    "differing_items",
    "differing_amount",
    "missing_items",
    "missing_amount",
    "mismatches",
    "unsettled_policies",
    "unsettled_amount",
)


def values(row) -> dict:
    return {name: getattr(row, name) for name in FIGURES if getattr(row, name)}


def test_per_business_day(settlement):
    report = settlement_report(period=ABAN)
    days = {row.day: values(row) for row in report.by_day}
    assert days == {
        jday(1405, 8, 10): {
            "batches_confirmed": 1,
            "items": 1,
            "items_amount": 10 * M,
            "exported_items": 1,
            "exported_amount": 10 * M,
            "confirmed_items": 1,
            "confirmed_amount": 10 * M,
        },
        jday(1405, 8, 11): {
            "batches_discrepant": 2,
            "items": 2,
            "items_amount": 10 * M,
            "exported_items": 2,
            "exported_amount": 10 * M,
            "differing_items": 1,
            "differing_amount": 3 * M,
            "missing_items": 1,
            "missing_amount": 7 * M,
            "mismatches": 3,
        },
        jday(1405, 8, 15): {
            "batches_exported": 1,
            "items": 1,
            "items_amount": 5 * M,
            "exported_items": 1,
            "exported_amount": 5 * M,
        },
        jday(1405, 8, 20): {"unsettled_policies": 1, "unsettled_amount": 6 * M},
        jday(1405, 8, 30): {"batches_open": 1, "items": 1, "items_amount": 2 * M},
    }
    assert values(report.total) == {
        "batches_open": 1,
        "batches_exported": 1,
        "batches_confirmed": 1,
        "batches_discrepant": 2,
        "items": 5,
        "items_amount": 27 * M,
        "exported_items": 4,
        "exported_amount": 25 * M,
        "confirmed_items": 1,
        "confirmed_amount": 10 * M,
        "differing_items": 1,
        "differing_amount": 3 * M,
        "missing_items": 1,
        "missing_amount": 7 * M,
        "mismatches": 3,
        "unsettled_policies": 1,
        "unsettled_amount": 6 * M,
    }
    assert isinstance(report.total.items_amount, Decimal)


def test_per_agency(settlement):
    report = settlement_report(period=ABAN)
    rows = [
        (row.agency.code if row.agency else None, row.unattributed, values(row))
        for row in report.by_agency
    ]
    assert rows == [
        (
            None,  # the virtual branch's own sales
            False,
            {
                "batches_exported": 1,
                "items": 1,
                "items_amount": 5 * M,
                "exported_items": 1,
                "exported_amount": 5 * M,
            },
        ),
        (
            701,
            False,
            {
                "batches_open": 1,
                "batches_confirmed": 1,
                "batches_discrepant": 1,
                "items": 3,
                "items_amount": 15 * M,
                "exported_items": 2,
                "exported_amount": 13 * M,
                "confirmed_items": 1,
                "confirmed_amount": 10 * M,
                "differing_items": 1,
                "differing_amount": 3 * M,
                "mismatches": 1,
            },
        ),
        (
            702,
            False,
            {
                "batches_discrepant": 1,
                "items": 1,
                "items_amount": 7 * M,
                "exported_items": 1,
                "exported_amount": 7 * M,
                "missing_items": 1,
                "missing_amount": 7 * M,
                "mismatches": 1,
                "unsettled_policies": 1,
                "unsettled_amount": 6 * M,
            },
        ),
        (None, True, {"mismatches": 1}),  # a line the core system confirmed, no export had
    ]


def test_a_policy_is_unsettled_until_a_batch_takes_it(settlement):
    policy = settlement.policies.p8
    assert settlement_report(period=ABAN).total.unsettled_amount == 6 * M
    policy.order.payments.update(state="failed")
    assert settlement_report(period=ABAN).total.unsettled_policies == 0


def test_the_page_its_charts_and_its_excel_file(client, settlement, operator):
    client.force_login(operator)
    html = client.get("/reports/settlement/", ABAN_QUERY, HTTP_HOST=OPS).content.decode()
    header, days = html_table(html, "table-by-day")
    with translation.override("fa"):
        assert header[0] == _("Business day") and len(header) == 18
        assert days[-1][0] == _("Total")
    assert days[1] == [
        "۱۴۰۵/۰۸/۱۱",
        "۰",
        "۰",
        "۰",
        "۲",
        "۲",
        "۱۰٬۰۰۰٬۰۰۰",
        "۲",
        "۱۰٬۰۰۰٬۰۰۰",
        "۰",
        "۰",
        "۱",
        "۳٬۰۰۰٬۰۰۰",
        "۱",
        "۷٬۰۰۰٬۰۰۰",
        "۳",
        "۰",
        "۰",
    ]
    assert [row[0] for row in days[:-1]] == [
        "۱۴۰۵/۰۸/۱۰",
        "۱۴۰۵/۰۸/۱۱",
        "۱۴۰۵/۰۸/۱۵",
        "۱۴۰۵/۰۸/۲۰",
        "۱۴۰۵/۰۸/۳۰",
    ]
    _header, agencies = html_table(html, "table-by-agency")
    assert [row[:2] for row in agencies][1:3] == [
        ["۷۰۱", "نمایندگی تهران"],
        ["۷۰۲", "کارگزاری اصفهان"],
    ]
    chart = chart_data(html, "settlement-days")
    assert chart["labels"][1] == "۱۴۰۵/۰۸/۱۱"
    assert [dataset["data"] for dataset in chart["datasets"]] == [
        [10 * M, 0, 0, 0, 0],  # confirmed
        [0, 10 * M, 0, 0, 0],  # differing or missing
        [0, 0, 5 * M, 0, 0],  # exported, not confirmed yet
        [0, 0, 0, 0, 2 * M],  # in open batches
        [0, 0, 0, 6 * M, 0],  # in no batch
    ]
    assert chart_data(html, "settlement-batches")["datasets"][0]["data"] == [1, 1, 1, 2]

    response = client.get("/reports/settlement/", {**ABAN_QUERY, "format": "xlsx"}, HTTP_HOST=OPS)
    book = workbook(response)
    for index, rows in ((0, days), (1, agencies)):
        sheet = sheet_rows(book, index)
        assert len(sheet) == 1 + len(rows)
        for shown, stored in zip(rows, sheet[1:], strict=True):
            assert all(same_value(a, b) for a, b in zip(shown, stored, strict=True)), (
                shown,
                stored,
            )
    assert sheet_rows(book, 0)[-1][5:7] == [5, 27 * M]
