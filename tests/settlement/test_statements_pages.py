"""Commission pages (S-5.3): on the ops host for the insurer's staff (operators act, branch
managers look, marketing finds nothing), on the panel for the agency's owners and managers
(its own statements only)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import membership_add
from core.jalali import format_jalali_date, parse_jalali_date, tehran
from settlement.models import CommissionPayout, CommissionRate, CommissionStatement
from settlement.services.statements import commission_statements_build
from tests.factories import create_user
from tests.settlement.statement_data import ABAN, jalali_moment, settled, sold

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
PANEL = "panel.localhost"


@pytest.fixture
def statements(line, tariff, customer, agency, other_agency):
    """Aban 1404: agency 685 sold two policies (one settled and confirmed), 686 one."""
    for agency_, day, premium, base in (
        (agency, 3, "65314000", "57800000"),
        (agency, 4, "12345000", "11000000"),
        (other_agency, 5, "3000000", "2700000"),
    ):
        commission = sold(
            agency=agency_,
            line=line,
            tariff=tariff,
            customer=customer,
            issued_at=jalali_moment(1404, 8, day),
            premium=premium,
            base=base,
        )
        if day == 3:
            settled(commission)
    built = commission_statements_build(jalali_year=ABAN[0], jalali_month=ABAN[1], actor=None)
    return {statement.agency_id: statement for statement in built}


def staff(role: str) -> User:
    return create_user(insurer_role=role)


def errors_in(response) -> list[str]:
    return re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())


# ---- ops ---------------------------------------------------------------------------------


def test_who_sees_the_ops_commission_pages(client, statements, agency):
    mine = statements[agency.pk]
    anonymous = client.get("/commissions/", HTTP_HOST=OPS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(staff("marketing"))
    for path in ("/commissions/", f"/commissions/{mine.pk}/", f"/commissions/{mine.pk}/pdf/"):
        assert client.get(path, HTTP_HOST=OPS).status_code == 404
    client.force_login(staff("branch_manager"))
    page = client.get("/commissions/", HTTP_HOST=OPS).content.decode()
    assert f'id="statement-{mine.pk}"' in page
    assert 'id="build-form"' not in page and 'id="rate-form"' not in page
    detail = client.get(f"/commissions/{mine.pk}/", HTTP_HOST=OPS).content.decode()
    assert 'id="reconciliation"' in detail and 'id="payout-form"' not in detail
    assert client.post("/commissions/build/", {}, HTTP_HOST=OPS).status_code == 404
    refused = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {"amount": "1000", "paid_on": "1404/09/10", "reference": "X1"},
        HTTP_HOST=OPS,
    )
    assert refused.status_code == 404
    assert not CommissionPayout.objects.exists()


def test_the_ops_list_is_filtered(client, statements, agency, other_agency):
    client.force_login(staff("operator"))
    page = client.get("/commissions/?agency=۶۸۶&jalali_month=8&jalali_year=۱۴۰۴", HTTP_HOST=OPS)
    content = page.content.decode()
    assert f'id="statement-{statements[other_agency.pk].pk}"' in content
    assert f'id="statement-{statements[agency.pk].pk}"' not in content
    other_month = client.get("/commissions/?jalali_month=9", HTTP_HOST=OPS).content.decode()
    assert not re.search(r'id="statement-\d+"', other_month)
    paid = client.get("/commissions/?state=paid", HTTP_HOST=OPS).content.decode()
    assert not re.search(r'id="statement-\d+"', paid)
    wrong = client.get("/commissions/?agency=abc", HTTP_HOST=OPS)
    assert wrong.status_code == 200
    assert errors_in(wrong) == ["کد نمایندگی را وارد کنید، مثلاً ۶۸۵."]
    assert not re.search(r'id="statement-\d+"', wrong.content.decode())


def test_an_operator_builds_a_month_and_a_month_not_ended_is_explained(
    client, line, tariff, customer, agency
):
    sold(
        agency=agency,
        line=line,
        tariff=tariff,
        customer=customer,
        issued_at=jalali_moment(1404, 8, 3),
    )
    client.force_login(staff("operator"))
    home = client.get("/commissions/", HTTP_HOST=OPS).content.decode()
    assert 'id="build-form"' in home and 'id="rate-form"' not in home

    built = client.post(
        "/commissions/build/", {"jalali_year": "۱۴۰۴", "jalali_month": "8"}, HTTP_HOST=OPS
    )
    assert built.status_code == 302
    assert built["Location"] == "/commissions/?jalali_year=1404&jalali_month=8"
    statement = CommissionStatement.objects.get()
    assert (statement.agency, statement.jalali_month, statement.policy_count) == (agency, 8, 1)
    followed = client.get(built["Location"], HTTP_HOST=OPS).content.decode()
    assert "۱ صورت‌حساب برای آبان ۱۴۰۴ ساخته شد." in followed

    now = timezone.localdate(timezone=tehran())
    today = format_jalali_date(now, persian_digits=False)
    year, month = (int(part) for part in today.split("/")[:2])
    refused = client.post(
        "/commissions/build/", {"jalali_year": year, "jalali_month": month}, HTTP_HOST=OPS
    )
    assert refused.status_code == 400
    assert len(errors_in(refused)) == 1 and "هنوز تمام نشده است" in errors_in(refused)[0]
    assert CommissionStatement.objects.count() == 1


def test_only_an_admin_adds_a_rate(client, line):
    admin = staff("admin")
    data = {
        "agency_kind": "broker",
        "line_code": "test_line",
        "percent": "۱۳٫۵",
        "effective_from": "1405/10/01",
    }
    client.force_login(staff("operator"))
    assert client.post("/commissions/rates/", data, HTTP_HOST=OPS).status_code == 404
    assert not CommissionRate.objects.filter(percent=Decimal("13.5")).exists()
    client.force_login(admin)
    assert 'id="rate-form"' in client.get("/commissions/", HTTP_HOST=OPS).content.decode()
    added = client.post("/commissions/rates/", data, HTTP_HOST=OPS)
    assert added.status_code == 302
    rate = CommissionRate.objects.get(percent=Decimal("13.5"))
    assert (rate.agency_kind, rate.line_code, rate.effective_from, rate.created_by) == (
        "broker",
        "test_line",
        parse_jalali_date("1405/10/01"),
        admin,
    )
    too_high = client.post("/commissions/rates/", {**data, "percent": "60"}, HTTP_HOST=OPS)
    assert too_high.status_code == 400
    assert len(errors_in(too_high)) == 1 and re.search("[\u0600-\u06ff]", errors_in(too_high)[0])
    assert CommissionRate.objects.filter(agency_kind="broker", percent=60).count() == 0


def test_an_operator_records_payouts_on_the_statement_page(client, statements, agency):
    mine = statements[agency.pk]
    client.force_login(staff("operator"))
    page = client.get(f"/commissions/{mine.pk}/", HTTP_HOST=OPS)
    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="payout-form"' in content
    assert 'data-reconciles="no"' in content  # the second policy is not settled
    assert content.count("data-policy=") == 1
    assert "هنوز تسویه نشده" in content
    assert "۳٬۴۴۰٬۰۰۰" in content  # the commission: 2,890,000 + 550,000
    lines = re.findall(r'<td class="ltr">([^<]+)</td><td>بیمه آزمایشی</td>', content)
    assert len(lines) == 2

    overpaid = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {"amount": "3,440,001", "paid_on": "1404/09/10", "reference": "TR-9"},
        HTTP_HOST=OPS,
    )
    assert overpaid.status_code == 400
    assert errors_in(overpaid) == ["مانده این صورت‌حساب تنها ۳٬۴۴۰٬۰۰۰ ریال است."]
    assert not CommissionPayout.objects.exists()

    paid = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {"amount": "۱٬۰۰۰٬۰۰۰", "paid_on": "۱۴۰۴/۰۹/۱۰", "reference": "TR-9", "note": "نوبت اول"},
        HTTP_HOST=OPS,
    )
    assert paid.status_code == 302
    mine.refresh_from_db()
    assert (mine.paid_total, mine.state) == (Decimal("1000000"), "partly_paid")
    payout = CommissionPayout.objects.get()
    assert (payout.amount, payout.paid_on, payout.reference) == (
        Decimal("1000000"),
        dt.date(2025, 12, 1),
        "TR-9",
    )
    again = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {"amount": "1000", "paid_on": "1404/09/11", "reference": "TR-9"},
        HTTP_HOST=OPS,
    )
    assert again.status_code == 400
    assert errors_in(again) == [
        "پرداختی با این شماره پیگیری واریز پیش‌تر برای این نمایندگی ثبت شده است."
    ]
    assert CommissionPayout.objects.count() == 1


def test_the_statement_downloads_on_ops(client, statements, agency):
    from openpyxl import load_workbook

    mine = statements[agency.pk]
    client.force_login(staff("branch_manager"))
    pdf = client.get(f"/commissions/{mine.pk}/pdf/", HTTP_HOST=OPS)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "commission-685-1404-08.pdf" in pdf["Content-Disposition"]
    excel = client.get(f"/commissions/{mine.pk}/xlsx/", HTTP_HOST=OPS)
    assert excel["Content-Disposition"] == 'attachment; filename="commission-685-1404-08.xlsx"'
    book = load_workbook(io.BytesIO(excel.content))
    assert book.worksheets[0].max_row == 3  # the header and two policies
    assert client.get("/commissions/999999/pdf/", HTTP_HOST=OPS).status_code == 404


# ---- panel -------------------------------------------------------------------------------


def test_the_owner_sees_the_agencys_own_statements(client, statements, agency, other_agency):
    mine, theirs = statements[agency.pk], statements[other_agency.pk]
    client.force_login(User.objects.get(mobile="09121234567"))
    listing = client.get("/commissions/", HTTP_HOST=PANEL)
    content = listing.content.decode()
    assert listing.status_code == 200
    assert 'id="nav-panel-commissions"' in content
    assert f'id="statement-{mine.pk}"' in content and f'id="statement-{theirs.pk}"' not in content
    detail = client.get(f"/commissions/{mine.pk}/", HTTP_HOST=PANEL).content.decode()
    assert "۳٬۴۴۰٬۰۰۰" in detail and 'id="statement-payouts"' in detail
    assert 'id="reconciliation"' not in detail and 'id="payout-form"' not in detail
    pdf = client.get(f"/commissions/{mine.pk}/pdf/", HTTP_HOST=PANEL)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    excel = client.get(f"/commissions/{mine.pk}/xlsx/", HTTP_HOST=PANEL)
    assert excel.status_code == 200 and excel.content.startswith(b"PK")
    for path in ("", "pdf/", "xlsx/"):
        assert client.get(f"/commissions/{theirs.pk}/{path}", HTTP_HOST=PANEL).status_code == 404


def test_agency_staff_get_403_and_no_link(client, statements, agency):
    membership = membership_add(agency=agency, mobile="09351112233", role="staff", actor=None)
    client.force_login(membership.user)
    mine = statements[agency.pk]
    for path in ("/commissions/", f"/commissions/{mine.pk}/", f"/commissions/{mine.pk}/pdf/"):
        assert client.get(path, HTTP_HOST=PANEL).status_code == 403
    dashboard = client.get("/", HTTP_HOST=PANEL).content.decode()
    assert 'id="nav-panel-commissions"' not in dashboard


def test_agency_b_gets_404_for_agency_as_statement(client, statements, agency, other_agency):
    client.force_login(other_agency.memberships.get().user)
    mine = statements[agency.pk]
    for path in ("", "pdf/", "xlsx/"):
        response = client.get(f"/commissions/{mine.pk}/{path}", HTTP_HOST=PANEL)
        assert response.status_code == 404
        assert agency.name not in response.content.decode()


def test_the_ops_list_costs_the_same_queries_however_many_statements(
    client, line, tariff, customer, agency
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Agency

    def month_with(agencies) -> None:
        for agency_ in agencies:
            sold(
                agency=agency_,
                line=line,
                tariff=tariff,
                customer=customer,
                issued_at=jalali_moment(1404, 8, 3),
            )

    client.force_login(staff("operator"))
    month_with([agency])
    commission_statements_build(jalali_year=1404, jalali_month=8, actor=None)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/commissions/", HTTP_HOST=OPS).status_code == 200
    month_with(
        Agency.objects.create(
            code=7800 + n, schema_name=f"ar{7800 + n}", name=f"n{n}", latitude=35, longitude=51
        )
        for n in range(5)
    )
    assert len(commission_statements_build(jalali_year=1404, jalali_month=9, actor=None)) == 5
    with CaptureQueriesContext(connection) as six:
        page = client.get("/commissions/", HTTP_HOST=OPS).content.decode()
    assert len(re.findall(r'id="statement-\d+"', page)) == 6
    assert len(six) == len(one)


def test_the_admin_shows_statements_and_payouts_read_only(client, statements, agency):
    client.force_login(User.objects.create_superuser("09120000999", "x"))
    mine = statements[agency.pk]
    listing = client.get("/admin/settlement/commissionstatement/", HTTP_HOST=OPS)
    assert listing.status_code == 200 and agency.name in listing.content.decode()
    detail = client.get(f"/admin/settlement/commissionstatement/{mine.pk}/change/", HTTP_HOST=OPS)
    assert detail.status_code == 200 and 'name="commission_total"' not in detail.content.decode()
    assert (
        client.get("/admin/settlement/commissionstatement/add/", HTTP_HOST=OPS).status_code == 403
    )
    assert client.get("/admin/settlement/commissionpayout/", HTTP_HOST=OPS).status_code == 200
    assert client.get("/admin/settlement/commissionpayout/add/", HTTP_HOST=OPS).status_code == 403
    deleted = client.post(
        f"/admin/settlement/commissionstatement/{mine.pk}/delete/", {"post": "yes"}, HTTP_HOST=OPS
    )
    assert deleted.status_code == 403
    assert CommissionStatement.objects.filter(pk=mine.pk).exists()
