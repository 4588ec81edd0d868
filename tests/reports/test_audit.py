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
from core.labels import AUDIT_ACTIONS
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


def fa(text: str) -> str:
    """``text`` as a Persian page shows it (it must be translated)."""
    with translation.override("fa"):
        shown = str(_(text))
    assert shown != text, f"no Persian translation of {text!r}"
    return shown


APPROVED, REQUESTED, STATUS, OTHER = (
    "Site or line request approved",
    "Site or line request filed",
    "Agency's site status changed",
    "Other change",
)


def test_a_decision_shows_who_when_and_old_to_new(client, decided, operator, agency):
    client.force_login(operator)
    html, rows = page(client)
    by_action = {row[2]: row for row in rows}
    approved = AuditLog.objects.get(action="control.approved")
    row = by_action[fa(APPROVED)]
    assert row[0] == format_jalali_datetime(approved.created_at)
    assert row[1] == f"کارشناس گزارش {to_persian_digits(operator.mobile)}"
    assert row[3] == f"{fa('site or line request')} #{to_persian_digits(approved.target_id)}"
    assert row[4] == "۶۸۵"
    # Fields by their names, values by their choices' names: no key, code or UTC time.
    state = f"{fa('state')}: {fa('Waiting for a decision')} → {fa('Approved and applied')}"
    assert state in row[5]
    status = f"{fa('status')}: {fa('Active')} → {fa('Suspended')}"
    assert status in by_action[fa(STATUS)][5]
    assert f"{fa('reason')}: — → بدهی معوق" in by_action[fa(REQUESTED)][5]
    assert by_action[fa(REQUESTED)][1].startswith("مدیر شعب")
    # An action nobody named shows a generic name, never its code.
    assert by_action[fa(OTHER)][1] == fa("System")
    assert by_action[fa(OTHER)][5] == "—"
    shown_text = " ".join(cell for row in rows for cell in row)
    for code in ("control.approved", "agency.status", "pending", "suspended", "agency.other"):
        assert code not in shown_text
    newest_first = AuditLog.objects.order_by("-created_at", "-id").values_list("action", flat=True)
    with translation.override("fa"):
        names = [AUDIT_ACTIONS.label(action) for action in newest_first]
    assert [row[2] for row in rows] == names
    assert rows[0][2] == fa(OTHER)


def test_timestamps_and_codes_in_changes_are_shown_in_words_and_tehran_time(client, operator):
    """A UTC timestamp becomes a Jalali time in Tehran; a role code its name; an order's
    details their questions' names."""
    from accounts.models import User

    person = create_user(first_name="نگار", last_name="امینی")
    audit_record(
        actor=operator,
        action="user.identity_verified",
        target=person,
        changes={
            "identity_verified_at": (None, "2026-11-21T20:30:00+00:00"),
            "insurer_role": ("", User.InsurerRole.MARKETING),
        },
    )
    client.force_login(operator)
    html, rows = page(client)
    row = next(row for row in rows if row[2] == fa("Identity verified"))
    assert f"{fa('identity verified at')}: — → ۱۴۰۵/۰۹/۰۱ ۰۰:۰۰" in row[5]
    assert f"{fa('insurer role')}: — → {fa('Marketing')}" in row[5]
    assert "2026-11-21" not in html and "identity_verified_at" not in html


def test_filters(client, decided, operator, agency):
    client.force_login(operator)
    html, rows = page(client, action="control.")
    assert [row[2] for row in rows] == [fa(APPROVED), fa(REQUESTED)]
    # The action filter offers names, by family; the codes stay in the option values.
    assert (
        f'<option value="control." selected>{fa("All: %(family)s") % {"family": fa("Site and line requests")}}</option>'
        in html
    )
    assert f'<option value="control.approved">{fa(APPROVED)}</option>' in html
    _html, rows = page(client, action="control.approved")
    assert [row[2] for row in rows] == [fa(APPROVED)]
    _html, rows = page(client, actor=to_persian_digits(decided.mobile))
    assert [row[2] for row in rows] == [fa(REQUESTED)]
    _html, rows = page(client, agency="ar685")
    actions = {row[2] for row in rows}
    assert {fa(REQUESTED), fa(APPROVED), fa(STATUS)} <= actions
    assert fa(OTHER) not in actions and {row[4] for row in rows} == {"۶۸۵"}
    html, rows = page(client, target="tenants.controlrequest")
    assert [row[2] for row in rows] == [fa(APPROVED), fa(REQUESTED)]
    assert "(tenants.controlrequest)" not in html
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
        fa(APPROVED),
        fa("site or line request"),
        approved.target_id,
        "685",
        # jsonb keeps keys by length; the file keeps Latin digits, words in Persian
        f"{fa('Decision note')}: — → —؛ "
        f"{fa('state')}: {fa('Waiting for a decision')} → {fa('Approved and applied')}",
        None,
    ]
    assert rows[2][3] == fa(REQUESTED)


def test_the_export_is_capped_and_the_page_says_so(client, decided, operator, monkeypatch):
    monkeypatch.setattr("reports.views.EXPORT_LIMIT", 2)
    client.force_login(operator)
    html, _rows = page(client)
    assert 'id="audit-capped"' in html
    response = client.get("/audit/", {"format": "xlsx"}, HTTP_HOST=OPS)
    assert len(sheet_rows(workbook(response), 0)) == 3  # the header and the newest two
    html, _rows = page(client, action="control.")
    assert 'id="audit-capped"' not in html
