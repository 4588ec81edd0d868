"""The CRM's report pages on the panel (S-6.8): owners and managers only, Persian headers,
digits and Jalali dates, labels never codes, pages of constant query counts, each agency
only its own rows; Excel (right to left, numbers as numbers) and PDF downloads."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AgencyMembership
from core.jalali import format_jalali_date, jalali_today
from crm.models import Complaint, Marketer
from crm.reporting.catalog import REPORTS
from tests.crm.conftest import inside, owner_of
from tests.crm.reports_data import book, customer, renewed_pair
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


def _today() -> dt.date:
    return jalali_today().togregorian()


def _get(client, path: str, **params):
    return client.get(path, params, HTTP_HOST=PANEL)


def _unrenewed(agency, count: int, *, prefix: str = "A") -> None:
    """``count`` of the agency's own policies that expired two days ago, not renewed."""
    with inside(agency):
        marketer = Marketer.objects.create(first_name="رضا", last_name="بازاریاب")
        for index in range(count):
            person = customer(last_name=f"{prefix}مشتری{index}")
            book(
                person,
                end=_today() - dt.timedelta(days=2),
                origin="ledger",
                number=f"{prefix}-1405-{index:04d}",
                marketer=marketer if index % 2 else None,
                issued_on=dt.date(2025, 7, 4),
            )


def test_the_index_lists_every_report_and_the_nav_shows_it_to_managers(client, agency):
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/").content.decode()
    for key in REPORTS:
        assert f'id="crm-report-{key}"' in page
        assert f'href="/reports/{key}/"' in page
    assert "گزارش" in page
    assert 'id="nav-panel-crm-reports"' in page


def test_staff_get_403_for_every_report_and_export(client, agency, staff_member):
    client.force_login(staff_member.user)
    assert _get(client, "/reports/").status_code == 403
    for key in REPORTS:
        for wanted in ("", "xlsx", "pdf"):
            params = {"format": wanted} if wanted else {}
            assert _get(client, f"/reports/{key}/", **params).status_code == 403, (key, wanted)
    assert 'id="nav-panel-crm-reports"' not in _get(client, "/").content.decode()


def test_a_manager_may_open_them(client, agency):
    manager = create_user()
    AgencyMembership.objects.create(agency=agency, user=manager, role=AgencyMembership.Role.MANAGER)
    client.force_login(manager)
    assert _get(client, "/reports/unhappy/").status_code == 200


def test_the_seed_report_shows_groups_labels_persian_digits_and_jalali_dates(
    client, agency, sale_line
):
    _unrenewed(agency, 2)
    with inside(agency):
        other = customer(last_name="بیمه‌دیگر")
        book(other, end=_today() - dt.timedelta(days=1), insurer_code="dana", number="D-77")
        book(other, end=_today() - dt.timedelta(days=9), origin="ledger", number="OLD-1")
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/unrenewed-days/", days="۵").content.decode()
    assert "نمایندگی: نمایندگی خلیلی، کد ۶۸۵" in page
    assert "بیمه‌گر دیگر: بیمه دانا" in page
    assert "بدنه خودرو" in page  # the line's name, never its code
    assert "crm_motor" not in page
    assert "A-۱۴۰۵-۰۰۰۰" in page and "A-۱۴۰۵-۰۰۰۱" in page
    assert "OLD-1" not in page
    assert format_jalali_date(_today() - dt.timedelta(days=2)) in page
    assert "۱۴۰۴/۰۴/۱۳" in page  # the issue date
    assert "فروش مستقیم" in page and "رضا بازاریاب" in page
    assert "شماره بیمه‌نامه" in page or "شمارهٔ بیمه‌نامه" in page
    assert "۵ روز از تاریخ انقضا" in page


def _page_queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path, HTTP_HOST=PANEL)
    assert page.status_code == 200
    return len(queries), page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/reports/not-renewed/",
        "/reports/unrenewed-days/",
        "/reports/loyal/?min_renewals=0",  # every customer without a complaint
        "/reports/unhappy/",
        "/reports/lines-by-region/",
    ],
)
def test_a_report_page_costs_the_same_queries_whatever_its_rows(client, agency, sale_line, path):
    _unrenewed(agency, 3, prefix="A")
    client.force_login(owner_of(agency))
    _page_queries(client, path)  # the session warm
    few, page = _page_queries(client, path)
    _unrenewed(agency, 60, prefix="B")  # more than a page
    many, page = _page_queries(client, path)
    assert few == many <= 12
    if path != "/reports/unhappy/" and path != "/reports/lines-by-region/":
        assert page.count('class="report-row"') == 50


def _next_cursor(page: str) -> str:
    link = re.search(r'class="page-link keyset-next" href="\?([^"]*)"', page)
    assert link, "no next page"
    query = parse_qs(html.unescape(link.group(1)))
    assert query["days"] == ["7"]  # the filters kept
    return query["after"][0]


def test_pages_of_fifty_by_keys_with_the_filters_kept(client, agency, sale_line):
    _unrenewed(agency, 55)
    client.force_login(owner_of(agency))
    first = _get(client, "/reports/unrenewed-days/", days="7").content.decode()
    assert first.count('class="report-row"') == 50
    assert "۵۵ ردیف" in first
    second = _get(
        client, "/reports/unrenewed-days/", days="7", after=_next_cursor(first)
    ).content.decode()
    assert second.count('class="report-row"') == 5
    assert "A-۱۴۰۵-۰۰۵۴" in second and "A-۱۴۰۵-۰۰۰۰" not in second
    assert "keyset-next" not in second and "صفحه اول" in second
    forged = _get(client, "/reports/unrenewed-days/", days="7", after="forged").content.decode()
    assert forged.count('class="report-row"') == 50  # a bad cursor starts again


def test_a_long_list_counts_up_to_a_cap_and_says_more(client, agency, sale_line, monkeypatch):
    from crm.reporting import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    _unrenewed(agency, 5)
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/not-renewed/").content.decode()
    assert "بیش از ۳ ردیف" in page
    assert page.count('class="report-row"') == 5
    rows = list(_sheet(_get(client, "/reports/not-renewed/", format="xlsx")).values)
    assert len(rows) == 6  # the Excel file has every row


def test_a_bad_filter_is_explained_and_the_default_used(client, agency):
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/not-expired/", date_from="۱۴۰۵/۱۳/۰۱").content.decode()
    assert "تاریخ" in page and 'class="invalid-feedback d-block"' in page
    assert 'id="report-table"' in page


def test_every_report_page_and_export_answers(client, agency, sale_line):
    _unrenewed(agency, 1)
    client.force_login(owner_of(agency))
    for key in REPORTS:
        assert _get(client, f"/reports/{key}/").status_code == 200, key
        assert _get(client, f"/reports/{key}/", format="xlsx").status_code == 200, key


def _sheet(response):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]


def test_the_excel_file_reads_right_to_left_with_numbers_as_numbers(client, agency, sale_line):
    _unrenewed(agency, 3)
    client.force_login(owner_of(agency))
    response = _get(client, "/reports/unrenewed-days/", format="xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = _sheet(response)
    assert sheet.sheet_view.rightToLeft is True
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(str(column.title) for column in REPORTS["unrenewed-days"].columns)
    assert rows[0][2] in ("شماره بیمه‌نامه", "شمارهٔ بیمه‌نامه")
    assert len(rows) == 4
    assert [row[2] for row in rows[1:]] == ["A-1405-0000", "A-1405-0001", "A-1405-0002"]
    assert rows[1][0] == "نمایندگی: نمایندگی خلیلی، کد 685"
    assert rows[1][1] == "بدنه خودرو"
    assert rows[1][3] == "1404/04/13"  # the issue date, Jalali, as text
    assert rows[1][8] == format_jalali_date(_today() - dt.timedelta(days=2), persian_digits=False)


def test_excel_amounts_are_numbers(client, agency, sale_line):
    _unrenewed(agency, 2)
    client.force_login(owner_of(agency))
    sheet = _sheet(_get(client, "/reports/not-renewed/", format="xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    premium = [str(column.title) for column in REPORTS["not-renewed"].columns].index(
        "حق بیمه (ریال)"
    )
    assert rows[1][premium] == 12345000
    assert isinstance(rows[1][premium], int)


def test_the_pdf_is_a_pdf_with_the_reports_rows(client, agency, sale_line):
    from pypdf import PdfReader

    _unrenewed(agency, 2)
    client.force_login(owner_of(agency))
    response = _get(client, "/reports/unrenewed-days/", format="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "A-۱۴۰۵-۰۰۰۰" in text and "A-۱۴۰۵-۰۰۰۱" in text
    assert "بدنه خودرو" in text and "فروش مستقیم" in text and "رضا بازاریاب" in text
    assert "نمایندگی: نمایندگی خلیلی، کد ۶۸۵" in text or "کد ۵۸۶" in text  # digits as laid out


def test_agency_b_sees_only_its_own_rows_on_pages_and_exports(
    client, agency, other_agency, sale_line
):
    _unrenewed(agency, 2, prefix="A")
    _unrenewed(other_agency, 1, prefix="B")
    with inside(agency):
        secret = customer(last_name="شاکی‌الف")
        Complaint.objects.create(customer=secret, subject="محرمانه", text="-")
    client.force_login(owner_of(other_agency))
    for key in ("unrenewed-days", "not-renewed", "unhappy", "loyal"):
        page = _get(client, f"/reports/{key}/").content.decode()
        assert "A-1405" not in page and "A-۱۴۰۵" not in page, key
        assert "شاکی‌الف" not in page and agency.name not in page, key
    page = _get(client, "/reports/unrenewed-days/").content.decode()
    assert "B-۱۴۰۵-۰۰۰۰" in page
    rows = list(_sheet(_get(client, "/reports/unrenewed-days/", format="xlsx")).values)
    assert [row[2] for row in rows[1:]] == ["B-1405-0000"]
    pdf = _get(client, "/reports/unhappy/", format="pdf")
    assert pdf.status_code == 200 and "شاکی‌الف".encode() not in pdf.content


def test_amounts_in_the_page_are_persian(client, agency, sale_line):
    with inside(agency):
        person = customer()
        book(person, end=_today() + dt.timedelta(days=3), premium=Decimal("7654321"))
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/other-insurers/").content.decode()
    assert "۷٬۶۵۴٬۳۲۱" not in page  # that report shows no premium
    assert "بیمه آسیا" in page
    page = _get(client, "/reports/not-expired/").content.decode()
    assert "۷٬۶۵۴٬۳۲۱" in page
    assert "معتبر" in page and "active" not in page


def test_a_long_pdf_is_cut_and_says_so(client, agency, sale_line, monkeypatch):
    from pypdf import PdfReader

    from crm.reporting import exports

    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 1)
    _unrenewed(agency, 2)
    client.force_login(owner_of(agency))
    response = _get(client, "/reports/not-renewed/", format="pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "A-۱۴۰۵-۰۰۰۰" in text and "A-۱۴۰۵-۰۰۰۱" not in text
    assert "اکسل" in text


def test_a_period_typed_in_persian_digits(client, agency, sale_line):
    with inside(agency):
        person = customer()
        inside_period, _following = renewed_pair(person, end=dt.date(2026, 7, 1), number="IN-TIR")
        renewed_pair(person, end=dt.date(2026, 8, 15), number="IN-MORDAD")
    client.force_login(owner_of(agency))
    page = _get(
        client, "/reports/renewed/", date_from="۱۴۰۵/۰۴/۰۱", date_to="۱۴۰۵/۰۴/۳۱"
    ).content.decode()
    assert page.count('class="report-row"') == 1
    assert "IN-TIR" in page and "IN-MORDAD" not in page
    assert "IN-TIR-R" in page  # the renewing policy
    assert "دوره: ۱۴۰۵/۰۴/۰۱ تا ۱۴۰۵/۰۴/۳۱" in page
    assert "تمدیدشده" in page  # the state's label


def test_the_filter_boxes_are_named_in_persian(client, agency):
    client.force_login(owner_of(agency))
    page = _get(client, "/reports/unrenewed-days/").content.decode()
    assert ">تعداد روز</label>" in page and 'placeholder="۵"' in page
    page = _get(client, "/reports/loyal/").content.decode()
    assert ">دست‌کم چند بار تمدید</label>" in page
