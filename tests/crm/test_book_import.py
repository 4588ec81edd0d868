"""Importing other insurers' policies: a good file (Excel or CSV with a BOM, Persian digits,
Jalali dates) imports with customers matched or registered; a file with any bad row imports
nothing and says, row by row in Persian, what is wrong; importing again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.models import AuditLog
from crm.models import BookPolicy, Customer, CustomerPhone
from crm.services.book_files import CSV, XLSX
from crm.services.book_import import RowError, book_import_check, book_import_run
from crm.services.customers import customer_create
from tests.crm.book_fixtures import book_catalogue  # noqa: F401
from tests.crm.conftest import crm_state, inside

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("book_catalogue")]
PANEL = f"panel.{settings.BASE_DOMAIN}"
HEADER = [
    "کد ملی",
    "موبایل",
    "نام",
    "نام خانوادگی",
    "بیمه‌گر",
    "رشته",
    "شماره بیمه‌نامه",
    "تاریخ شروع",
    "تاریخ پایان",
    "حق بیمه (ریال)",
]
GOOD = [
    # A customer already registered, found by national code (Persian digits).
    [
        "۰۴۹۹۳۷۰۸۹۹",
        "",
        "",
        "",
        "بیمه ایران",
        "شخص ثالث",
        "TP-۱",
        "۱۴۰۳/۰۵/۱۲",
        "۱۴۰۴/۰۵/۱۱",
        "۱٬۲۰۰٬۰۰۰",
    ],
    # Found by mobile (+98 form).
    ["", "+989121112233", "", "", "آسیا", "آتش‌سوزی", "F-2", "1403/01/01", "1404/01/01", ""],
    # Nobody: a prospect; an insurer not in the list is kept by name.
    [
        "0013542419",
        "09351234567",
        "سارا",
        "كريمي",
        "بیمه ملت",
        "third_party",
        "TP-3",
        "",
        "1404/12/29",
        "500000",
    ],
    # The same new person again: one customer, two policies.
    ["0013542419", "", "", "کریمی", "iran", "fire", "F-4", "", "۱۴۰۵/۰۱/۱۵", ""],
]


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def run(agency, actor, data: bytes, kind: str):
    return book_import_run(agency=agency, actor=actor, stream=io.BytesIO(data), kind=kind)


@pytest.fixture
def known(agency, owner):
    with inside(agency):
        by_code = customer_create(
            agency=agency,
            actor=owner,
            first_name="علی",
            last_name="رضایی",
            national_code="0499370899",
        )
        by_mobile = customer_create(
            agency=agency,
            actor=owner,
            first_name="نادر",
            last_name="محمدی",
            phones=["09121112233"],
        )
    return by_code, by_mobile


@pytest.mark.parametrize("kind", [XLSX, CSV])
def test_a_good_file_imports_every_row(agency, owner, known, kind):
    by_code, by_mobile = known
    data = xlsx(GOOD) if kind == XLSX else csv_bytes(GOOD)
    with inside(agency):
        checked = book_import_check(agency=agency, stream=io.BytesIO(data), kind=kind)
        assert checked.ok and checked.errors == []
        assert (checked.rows, checked.new_customers, checked.matched_customers) == (4, 1, 2)
        assert BookPolicy.objects.count() == 0  # checking writes nothing
        report = run(agency, owner, data, kind)
        assert report.ok and report.added == 4
        policies = {p.number: p for p in BookPolicy.objects.select_related("customer")}
        assert set(policies) == {"TP-1", "F-2", "TP-3", "F-4"}
        first = policies["TP-1"]
        assert first.customer == by_code and first.insurer_code == "iran"
        assert (first.start_date.isoformat(), first.end_date.isoformat()) == (
            "2024-08-02",
            "2025-08-02",
        )
        assert first.premium == 1200000
        assert policies["F-2"].customer == by_mobile and policies["F-2"].insurer_code == "asia"
        assert policies["F-2"].line_code == "fire"
        new = policies["TP-3"].customer
        assert policies["F-4"].customer == new
        assert (new.first_name, new.last_name, new.national_code) == ("سارا", "کریمی", "0013542419")
        assert (new.source, new.kind, new.created_by_user_id) == ("import", "prospective", owner.pk)
        assert CustomerPhone.objects.get(customer=new).number == "09351234567"
        assert (policies["TP-3"].insurer_code, policies["TP-3"].insurer_name) == (
            "other",
            "بیمه ملت",
        )
        assert Customer.objects.count() == 3
    audits = AuditLog.objects.filter(action="book.imported")
    assert audits.count() == 3 and {a.actor for a in audits} == {owner}


def test_a_file_with_bad_rows_imports_nothing_and_says_why(agency, owner, known):
    rows = [
        GOOD[0],
        ["1234567890", "0912", "", "", "بیمه ایران", "عمر", "", "1403/13/01", "۱۴۰۴/۰۱/۰۱", "-5"],
        ["", "", "", "", "", "شخص ثالث", "X-1", "1404/01/01", "1403/01/01", "abc"],
        ["0013542419", "", "", "", "iran", "fire", "X-2", "", "1404/01/01", ""],
        GOOD[0],
    ]
    with inside(agency):
        before = crm_state()
        with translation.override("fa"):
            report = run(agency, owner, xlsx(rows), XLSX)
        assert crm_state() == before
    assert not report.ok and report.added == 0
    assert report.error_count == 12
    assert report.errors == [
        RowError(3, "کد ملی", "کد ملی معتبر نیست."),
        RowError(3, "موبایل", "شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."),
        RowError(3, "تاریخ شروع", "تاریخ را به تقویم شمسی بنویسید، مثلاً ۱۴۰۳/۰۵/۱۲."),
        RowError(3, "رشته بیمه", "رشتهٔ بیمه را از فهرست انتخاب کنید."),
        RowError(3, "شماره بیمه‌نامه", "شمارهٔ بیمه‌نامه را وارد کنید."),
        RowError(3, "حق بیمه (ریال)", "حق بیمه نمی‌تواند منفی باشد."),
        RowError(4, "کد ملی", "کد ملی یا موبایل مشتری را وارد کنید."),
        RowError(4, "حق بیمه (ریال)", "حق بیمه را به ریال وارد کنید."),
        RowError(4, "بیمه‌گر", "بیمه‌گر را وارد کنید."),
        RowError(4, "تاریخ پایان", "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد."),
        RowError(
            5,
            "نام خانوادگی",
            "مشتری‌ای با این کد ملی یا موبایل نیست؛ برای ثبت او نام خانوادگی را وارد کنید.",
        ),
        RowError(6, "شماره بیمه‌نامه", "این بیمه‌نامه در ردیف ۲ همین فایل هم آمده است."),
    ]


def test_importing_the_same_file_again_adds_nothing(agency, owner, known):
    data = csv_bytes(GOOD)
    with inside(agency):
        assert run(agency, owner, data, CSV).added == 4
        after_first = crm_state()
        again = book_import_check(agency=agency, stream=io.BytesIO(data), kind=CSV)
        assert (again.already_in_book, again.to_add, again.new_customers) == (4, 0, 0)
        second = run(agency, owner, data, CSV)
        assert second.ok and second.added == 0
        assert crm_state() == after_first


def test_a_file_without_the_columns_is_refused(agency, owner):
    with inside(agency), translation.override("fa"):
        report = run(agency, owner, csv_bytes([["a"]], header=["x", "y"]), CSV)
        assert report.file_error == (
            "این فایل ستونی به نام «بیمه‌گر»، «رشته بیمه»، «شماره بیمه‌نامه»، «تاریخ پایان» ندارد؛ "
            "از فایل نمونه استفاده کنید."
        )
        assert BookPolicy.objects.count() == 0


# ---- the pages -------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post("/book/import/", {"file": upload}, HTTP_HOST=PANEL)


def test_upload_preview_confirm(client, agency, owner, known, staff_member):
    client.force_login(staff_member.user)
    response = _upload(client, xlsx(GOOD), "policies.xlsx")
    assert response.status_code == 302 and response["Location"] == "/book/import/preview/"
    body = client.get("/book/import/preview/", HTTP_HOST=PANEL).content.decode()
    assert "TP-۱" in body and "بیمه ملت" in body and "۱۴۰۳/۰۵/۱۲" in body
    assert 'id="import-confirm"' in body
    with inside(agency):
        assert BookPolicy.objects.count() == 0
    response = client.post("/book/import/confirm/", HTTP_HOST=PANEL)
    assert response.status_code == 302 and response["Location"] == "/book/"
    with inside(agency):
        assert BookPolicy.objects.count() == 4
    # The file is gone with the session's import: confirming again does nothing.
    response = client.post("/book/import/confirm/", HTTP_HOST=PANEL)
    assert response["Location"] == "/book/import/"
    with inside(agency):
        assert BookPolicy.objects.count() == 4


def test_a_bad_file_is_previewed_with_its_errors_and_cannot_be_confirmed(client, agency, owner):
    client.force_login(owner)
    rows = [["", "", "", "", "iran", "fire", "X", "", "1404/01/01", ""]]
    _upload(client, csv_bytes(rows), "bad.csv")
    response = client.get("/book/import/preview/", HTTP_HOST=PANEL)
    body = response.content.decode()
    assert response.status_code == 400
    assert "کد ملی یا موبایل مشتری را وارد کنید." in body and 'id="import-confirm"' not in body
    response = client.post("/book/import/confirm/", HTTP_HOST=PANEL)
    assert response.status_code == 400
    with inside(agency):
        assert BookPolicy.objects.count() == 0


def test_what_is_not_a_table_is_refused_at_upload(client, agency, owner):
    client.force_login(owner)
    response = _upload(client, "کد ملی".encode("utf-16"), "x.csv")
    assert response.status_code == 400
    assert "فایل CSV با کدگذاری UTF-۸ نیست" in response.content.decode()
    response = _upload(client, b"PK\x03\x04not a zip", "x.xlsx")
    assert response.status_code == 400
    assert "فایل خوانده نشد" in response.content.decode()


def test_a_large_file_is_imported_by_a_task_with_progress(
    client, agency, owner, known, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("crm.book_import_views.SYNC_ROWS", 2)
    client.force_login(owner)
    _upload(client, xlsx(GOOD), "policies.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/book/import/confirm/", HTTP_HOST=PANEL)
    assert response["Location"] == "/book/import/progress/"
    with inside(agency):
        assert BookPolicy.objects.count() == 4
    body = client.get(
        "/book/import/progress/", HTTP_HOST=PANEL, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "۴ بیمه‌نامه به دفتر افزوده شد" in body and "hx-trigger" not in body


def test_the_template_has_the_persian_headers_right_to_left(client, agency, owner):
    client.force_login(owner)
    response = client.get("/book/import/template/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]][:4] == ["کد ملی", "موبایل", "نام", "نام خانوادگی"]
    assert sheet.sheet_view.rightToLeft
    # The template itself imports.
    with inside(agency):
        report = book_import_check(agency=agency, stream=io.BytesIO(response.content), kind=XLSX)
    assert report.ok and report.rows == 1


def test_a_long_file_is_checked_by_a_task_before_its_preview(
    client, agency, owner, known, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("crm.book_import_views.CHECK_IN_REQUEST_BYTES", 1)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, xlsx(GOOD), "policies.xlsx")
    assert response["Location"] == "/book/import/progress/"
    # Before the progress page has seen the check finish, the preview waits for it.
    assert client.get("/book/import/preview/", HTTP_HOST=PANEL)["Location"] == (
        "/book/import/progress/"
    )
    response = client.get("/book/import/progress/", HTTP_HOST=PANEL, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/book/import/preview/"
    body = client.get("/book/import/preview/", HTTP_HOST=PANEL).content.decode()
    assert "TP-۱" in body and 'id="import-confirm"' in body
    assert client.post("/book/import/confirm/", HTTP_HOST=PANEL)["Location"] == "/book/"
    with inside(agency):
        assert BookPolicy.objects.count() == 4
