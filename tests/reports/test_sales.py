"""Sales across the network (S-5.5): exact figures by agency, line, province, day and Jalali
month over the hand-built network of conftest.py; filters; the page, its chart and its Excel
file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.jalali import jalali_today, tehran
from policies.models import Line, TariffVersion
from reports.periods import DateRange, jalali_month_bounds
from reports.selectors import VIRTUAL_BRANCH, sales_report
from tenants.models import Agency
from tests.reports.conftest import ABAN, ABAN_QUERY, OPS, M, jday, sell
from tests.reports.pages import chart_data, html_table, same_value, sheet_rows, workbook

pytestmark = pytest.mark.django_db


def figures(rows, key=lambda row: row.key):
    return {key(row): (row.count, row.premium) for row in rows}


def test_sales_by_agency_line_and_province_are_exact(network):
    report = sales_report(period=ABAN)
    # p7 (1405/07/30 23:59) and p6 (1405/09/01 00:10, still 1405/08/30 in UTC) are outside.
    assert (report.count, report.premium) == (6, Decimal(33 * M))
    assert [(row.key, row.count, row.premium) for row in report.by_agency] == [
        (network.tehran.pk, 3, Decimal(15 * M)),
        (network.isfahan.pk, 2, Decimal(13 * M)),
        (None, 1, Decimal(5 * M)),  # the virtual branch's own main-site sale
    ]
    assert report.by_agency[0].agency.code == 701
    assert report.by_agency[1].agency.province == "اصفهان"
    assert [(row.key, row.count, row.premium) for row in report.by_line] == [
        ("tp", 4, Decimal(24 * M)),
        ("fire", 2, Decimal(9 * M)),
    ]
    assert [(row.key, row.count, row.premium) for row in report.by_province] == [
        ("تهران", 3, Decimal(15 * M)),
        ("اصفهان", 2, Decimal(13 * M)),
        (None, 1, Decimal(5 * M)),
    ]


def test_days_are_tehran_days(network):
    report = sales_report(period=ABAN)
    assert len(report.by_period) == 30
    per_day = {row.key: (row.count, row.premium) for row in report.by_period if row.count}
    # p1 at 23:50 and p2 at 00:10 share a UTC day but not a Tehran one.
    assert network.policies.p1.issued_at.astimezone(dt.UTC).date() == (
        network.policies.p2.issued_at.astimezone(dt.UTC).date()
    )
    assert per_day == {
        jday(1405, 8, 10): (1, Decimal(10 * M)),
        jday(1405, 8, 11): (2, Decimal(10 * M)),
        jday(1405, 8, 15): (1, Decimal(5 * M)),
        jday(1405, 8, 20): (1, Decimal(6 * M)),
        jday(1405, 8, 30): (1, Decimal(2 * M)),
    }
    assert sum(row.count for row in report.by_period) == report.count


def test_jalali_months(network):
    quarter = DateRange(jday(1405, 7, 1), jday(1405, 9, 30))
    report = sales_report(period=quarter, by_month=True)
    assert [(row.key, row.last_day, row.count, row.premium) for row in report.by_period] == [
        (jday(1405, 7, 1), jday(1405, 7, 30), 1, Decimal(4 * M)),
        (jday(1405, 8, 1), jday(1405, 8, 30), 6, Decimal(33 * M)),
        (jday(1405, 9, 1), jday(1405, 9, 30), 1, Decimal(9 * M)),
    ]


@pytest.mark.parametrize(
    "filters,by_agency,total",
    [
        ({"line_code": "fire"}, {701: (1, 3 * M), 702: (1, 6 * M)}, (2, 9 * M)),
        ({"province": "اصفهان"}, {702: (2, 13 * M)}, (2, 13 * M)),
        ({"agency_kind": "broker"}, {702: (2, 13 * M)}, (2, 13 * M)),
        ({"agency_kind": "agent"}, {701: (3, 15 * M)}, (3, 15 * M)),
        ({"agency_kind": VIRTUAL_BRANCH}, {None: (1, 5 * M)}, (1, 5 * M)),
        ({"line_code": "fire", "province": "تهران"}, {701: (1, 3 * M)}, (1, 3 * M)),
        ({"agency_kind": "marketer"}, {}, (0, 0)),
    ],
)
def test_filters(network, filters, by_agency, total):
    report = sales_report(period=ABAN, **filters)
    assert figures(report.by_agency, lambda row: row.agency.code if row.agency else None) == {
        code: (count, Decimal(premium)) for code, (count, premium) in by_agency.items()
    }
    assert (report.count, report.premium) == (total[0], Decimal(total[1]))
    assert sum(row.premium for row in report.by_period) == Decimal(total[1])


def test_the_page_shows_the_tables_in_persian_with_a_chart(client, network, operator):
    client.force_login(operator)
    response = client.get("/reports/sales/", ABAN_QUERY, HTTP_HOST=OPS)
    assert response.status_code == 200
    html = response.content.decode()
    header, rows = html_table(html, "table-by-agency")
    with translation.override("fa"):
        assert header == [
            _("Agency code"),
            _("Agency"),
            _("Kind"),
            _("Province"),
            _("Policies"),
            _("Premium (rials)"),
            _("Share of premium (%)"),
        ]
        assert rows[0][2:4] == [str(Agency.Kind.AGENT.label), "تهران"]
    assert rows[0][:2] == ["۷۰۱", "نمایندگی تهران"]
    assert rows[0][4:] == ["۳", "۱۵٬۰۰۰٬۰۰۰", "۴۵٫۴۵"]
    assert rows[1][4:] == ["۲", "۱۳٬۰۰۰٬۰۰۰", "۳۹٫۳۹"]
    assert rows[2][0] == "—" and rows[2][4:] == ["۱", "۵٬۰۰۰٬۰۰۰", "۱۵٫۱۵"]
    assert rows[3][4:6] == ["۶", "۳۳٬۰۰۰٬۰۰۰"]  # the total
    _header, days = html_table(html, "table-by-period")
    assert len(days) == 31  # 30 days and the total
    assert days[9] == ["۱۴۰۵/۰۸/۱۰", "۱", "۱۰٬۰۰۰٬۰۰۰"]
    assert days[10] == ["۱۴۰۵/۰۸/۱۱", "۲", "۱۰٬۰۰۰٬۰۰۰"]
    chart = chart_data(html, "sales-period")
    assert chart["kind"] == "bar" and len(chart["labels"]) == 30
    assert chart["labels"][9] == "۱۴۰۵/۰۸/۱۰"
    assert chart["datasets"][0]["data"][9:11] == [1, 2]
    assert chart["datasets"][1]["data"][9:11] == [10 * M, 10 * M]
    lines = chart_data(html, "sales-line")
    assert lines["labels"] == ["شخص ثالث", "آتش‌سوزی"] and lines["datasets"][0]["data"] == [
        24 * M,
        9 * M,
    ]
    assert 'src="/static/vendor/chart.js/dist/chart.umd.min.js"' in html
    assert "cdn" not in html.lower()


def test_the_excel_file_holds_exactly_the_tables_shown(client, network, operator):
    client.force_login(operator)
    query = {**ABAN_QUERY, "line": "tp"}
    html = client.get("/reports/sales/", query, HTTP_HOST=OPS).content.decode()
    response = client.get("/reports/sales/", {**query, "format": "xlsx"}, HTTP_HOST=OPS)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sales-14050801-14050830.xlsx"'
    book = workbook(response)
    assert len(book.worksheets) == 4
    for index, key in enumerate(("by-agency", "by-line", "by-province", "by-period")):
        header, rows = html_table(html, f"table-{key}")
        sheet = sheet_rows(book, index)
        assert sheet[0] == header
        assert len(sheet) - 1 == len(rows)
        for shown, stored in zip(rows, sheet[1:], strict=True):
            assert all(same_value(a, b) for a, b in zip(shown, stored, strict=True)), (
                shown,
                stored,
            )
    agencies = sheet_rows(book, 0)
    assert agencies[1][0] == "701" and agencies[1][4:] == [2, 12 * M, 50.0]
    assert agencies[-1][4:6] == [4, 24 * M]


def test_month_grouping_on_the_page(client, network, operator):
    client.force_login(operator)
    query = {"date_from": "1405/07/01", "date_to": "1405/09/30", "per": "month"}
    html = client.get("/reports/sales/", query, HTTP_HOST=OPS).content.decode()
    _header, rows = html_table(html, "table-by-period")
    with translation.override("fa"):
        assert rows == [
            ["مهر ۱۴۰۵", "۱", "۴٬۰۰۰٬۰۰۰"],
            ["آبان ۱۴۰۵", "۶", "۳۳٬۰۰۰٬۰۰۰"],
            ["آذر ۱۴۰۵", "۱", "۹٬۰۰۰٬۰۰۰"],
            [_("Total"), "۸", "۴۶٬۰۰۰٬۰۰۰"],
        ]


def test_the_default_period_is_the_current_jalali_month(client, network, operator):
    today = jalali_today()
    first, last = jalali_month_bounds(today.year, today.month)
    life = Line.objects.create(code="life", number_code=3, name="عمر", position=3)
    tariff = TariffVersion.objects.create(line=life, number=1, status=TariffVersion.Status.ACTIVE)
    for premium, at in (
        (1_234_567, timezone.now()),
        (7 * M, dt.datetime.combine(first, dt.time.min, tzinfo=tehran()) - dt.timedelta(minutes=1)),
    ):
        sell(
            agency=network.tehran,
            line=life,
            tariff=tariff,
            customer=network.customer,
            premium=premium,
            at=at,
        )
    client.force_login(operator)
    html = client.get("/reports/sales/", HTTP_HOST=OPS).content.decode()
    assert f'data-first="{first:%Y-%m-%d}" data-last="{last:%Y-%m-%d}"' in html
    _header, rows = html_table(html, "table-by-line")
    assert [row[:3] for row in rows if row[0] == "عمر"] == [["عمر", "۱", "۱٬۲۳۴٬۵۶۷"]]


def test_a_bad_date_is_explained_in_persian_and_the_page_still_shown(client, network, operator):
    client.force_login(operator)
    response = client.get(
        "/reports/sales/", {"date_from": "1405/13/01", "date_to": "1405/08/30"}, HTTP_HOST=OPS
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "تاریخ شمسی معتبر وارد کنید، مثلاً ۱۳۷۰/۰۱/۳۱." in html
    # The end date given is kept; the start falls back to the current month's first day
    # or the end, whichever is earlier.
    today = jalali_today()
    first, _last = jalali_month_bounds(today.year, today.month)
    expected_first = min(first, jday(1405, 8, 30))
    assert f'data-first="{expected_first:%Y-%m-%d}" data-last="2026-11-21"' in html
    assert 'id="table-by-agency"' in html
