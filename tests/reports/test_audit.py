"""The audit log on the ops host: a real service's rows with who, when and every field's
old → new; filters by day, actor, action prefix, agency and target type; the Excel file of
the filtered rows, capped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.digits import to_persian_digits
from core.jalali import format_jalali_date, format_jalali_datetime, tehran, to_jalali
from core.models import AuditLog
from tenants.control import control_request_decide, control_request_file
from tenants.models import ControlRequest
from tests.factories import create_user
from tests.reports.conftest import OPS, make_agency
from tests.reports.pages import html_table, sheet_rows, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(agency, operator):
    """A branch manager asks to turn agency 685's site off; an operator approves."""
    manager = create_user(insurer_role="branch_manager", first_name="مدیر", last_name="شعب")
    request = control_request_file(
        agency=agency, kind=ControlRequest.Kind.SITE_DEACTIVATE, reason="بدهی معوق", actor=manager
    )
    control_request_decide(request=request, approve=True, actor=operator)
    other = make_agency(code=7501)
    audit_record(actor=None, action="agency.other", target=other, agency_id=other.pk)
    return manager


def page(client, **query):
    html = client.get("/audit/", query, HTTP_HOST=OPS).content.decode()
    return html, html_table(html, "audit-rows")[1]


def test_a_decision_shows_who_when_and_old_to_new(client, decided, operator, agency):
    client.force_login(operator)
    html, rows = page(client)
    by_action = {row[2]: row for row in rows}
    approved = AuditLog.objects.get(action="control.approved")
    row = by_action["control.approved"]
    assert row[0] == format_jalali_datetime(approved.created_at)
    assert row[1] == f"کارشناس گزارش {to_persian_digits(operator.mobile)}"
    assert row[3].endswith(f"#{to_persian_digits(approved.target_id)}")
    assert row[4] == "۶۸۵"
    assert "state: pending → approved" in row[5]
    assert "status: active → suspended" in by_action["agency.status"][5]
    assert "reason: — → بدهی معوق" in by_action["control.requested"][5]
    assert by_action["control.requested"][1].startswith("مدیر شعب")
    with translation.override("fa"):
        assert by_action["agency.other"][1] == _("System")
    assert by_action["agency.other"][5] == "—"
    newest_first = AuditLog.objects.order_by("-created_at", "-id").values_list("action", flat=True)
    assert [row[2] for row in rows] == list(newest_first)
    assert rows[0][2] == "agency.other"


def test_filters(client, decided, operator, agency):
    client.force_login(operator)
    _html, rows = page(client, action="control.")
    assert [row[2] for row in rows] == ["control.approved", "control.requested"]
    _html, rows = page(client, actor=to_persian_digits(decided.mobile))
    assert [row[2] for row in rows] == ["control.requested"]
    _html, rows = page(client, agency="ar685")
    actions = {row[2] for row in rows}
    assert {"control.requested", "control.approved", "agency.status"} <= actions
    assert "agency.other" not in actions and {row[4] for row in rows} == {"۶۸۵"}
    _html, rows = page(client, target="tenants.controlrequest")
    assert [row[2] for row in rows] == ["control.approved", "control.requested"]
    today = format_jalali_date(timezone.localdate(timezone=tehran()))
    tomorrow = format_jalali_date(timezone.localdate(timezone=tehran()) + dt.timedelta(days=1))
    _html, rows = page(client, action="control.", date_from=today, date_to=today)
    assert len(rows) == 2
    _html, rows = page(client, action="control.", date_from=tomorrow)
    assert rows == [["چیزی ثبت نشده است."]]


def test_a_bad_filter_is_explained_in_persian_and_shows_nothing(client, decided, operator):
    client.force_login(operator)
    html, rows = page(client, agency="abc")
    assert "کد نمایندگی را وارد کنید، مثلاً ۶۸۵." in html
    assert rows == [["چیزی ثبت نشده است."]]
    html, _rows = page(client, date_from="1405/13/40")
    assert "تاریخ شمسی معتبر وارد کنید" in html


def test_the_excel_file_holds_the_filtered_rows(client, decided, operator):
    client.force_login(operator)
    response = client.get("/audit/", {"action": "control.", "format": "xlsx"}, HTTP_HOST=OPS)
    rows = sheet_rows(workbook(response), 0)
    assert len(rows) == 3
    approved = AuditLog.objects.get(action="control.approved")
    when = to_jalali(approved.created_at).strftime("%Y/%m/%d %H:%M:%S")
    assert rows[1] == [
        when,
        "کارشناس گزارش",
        operator.mobile,
        "control.approved",
        "tenants.controlrequest",
        approved.target_id,
        "685",
        "note: — → —; state: pending → approved",  # jsonb keeps keys by length
        None,
    ]
    assert rows[2][3] == "control.requested"


def test_the_export_is_capped_and_the_page_says_so(client, decided, operator, monkeypatch):
    monkeypatch.setattr("reports.views.EXPORT_LIMIT", 2)
    client.force_login(operator)
    html, _rows = page(client)
    assert 'id="audit-capped"' in html
    response = client.get("/audit/", {"format": "xlsx"}, HTTP_HOST=OPS)
    assert len(sheet_rows(workbook(response), 0)) == 3  # the header and the newest two
    html, _rows = page(client, action="control.")
    assert 'id="audit-capped"' not in html
