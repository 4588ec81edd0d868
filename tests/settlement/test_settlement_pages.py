"""Settlement on the ops host: an operator takes a day's payments to a settlement file,
downloads it, imports the core system's confirmation and sees every difference; other roles
look or are kept out."""

from __future__ import annotations

import io
from html import escape

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from settlement.models import SettlementBatch, SettlementConfirmation, SettlementExport
from tests.factories import create_user
from tests.settlement.sales import DAY, sale
from tests.settlement.test_confirmations import confirmation_text

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
DAY_TEXT = "1405/09/09"


@pytest.fixture
def sales(line, tariff, customer, agency, other_agency):
    for seller, premium in ((agency, "10000000"), (agency, "2500000"), (other_agency, "7000000")):
        sale(line=line, tariff=tariff, customer=customer, agency=seller, premium=premium)


@pytest.fixture
def operator(client):
    user = create_user(insurer_role="operator")
    client.force_login(user)
    return user


def test_an_operator_takes_a_day_to_a_file_and_matches_the_confirmation(
    client, sales, operator, django_capture_on_commit_callbacks
):
    page = client.get("/settlement/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    assert page.status_code == 200
    assert 'id="build-batches"' in page.content.decode()

    response = client.post("/settlement/build/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    assert response.status_code == 302
    assert SettlementBatch.objects.filter(day=DAY).count() == 2
    page = client.get(response["Location"], HTTP_HOST=OPS).content.decode()
    assert "۶۸۵" in page and "۱۲٬۵۰۰٬۰۰۰" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settlement/exports/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    export = SettlementExport.objects.get()
    assert response["Location"] == f"/settlement/exports/{export.pk}/"
    page = client.get(response["Location"], HTTP_HOST=OPS).content.decode()
    assert 'data-state="done"' in page and "download-csv" in page
    progress = client.get(f"/settlement/exports/{export.pk}/progress/", HTTP_HOST=OPS)
    assert "hx-get" not in progress.content.decode()  # done: no more polling

    download = client.get(f"/settlement/exports/{export.pk}/file.csv", HTTP_HOST=OPS)
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode()
    assert body.startswith("record_type,export_number,business_day,")
    assert body.splitlines()[-1] == f"T,{export.number},{DAY_TEXT},2,3,19500000,1950000"
    assert download["Content-Disposition"].endswith(f'settlement-{export.number}.csv"')
    excel = client.get(f"/settlement/exports/{export.pk}/file.xlsx", HTTP_HOST=OPS)
    assert excel.status_code == 200

    text = confirmation_text(export, drop={0}, amounts={1: 2400000})
    upload = SimpleUploadedFile("core.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settlement/exports/{export.pk}/confirmations/", {"file": upload}, HTTP_HOST=OPS
        )
    confirmation = SettlementConfirmation.objects.get()
    assert response["Location"] == f"/settlement/confirmations/{confirmation.pk}/"
    page = client.get(response["Location"], HTTP_HOST=OPS).content.decode()
    assert 'id="confirmation-result"' in page
    assert page.count('data-kind="missing"') == 1 and page.count('data-kind="amount"') == 1
    only_missing = client.get(response["Location"], {"kind": "missing"}, HTTP_HOST=OPS)
    assert only_missing.content.decode().count("data-kind=") == 1
    sheet = client.get(response["Location"], {"format": "xlsx"}, HTTP_HOST=OPS)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    assert len(rows) == 3 and rows[1][5] is not None


def test_a_refused_file_shows_its_line_and_reason(
    client, sales, operator, django_capture_on_commit_callbacks
):
    client.post("/settlement/build/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settlement/exports/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    export = SettlementExport.objects.get()
    lines = confirmation_text(export).split("\r\n")
    upload = SimpleUploadedFile("cut.csv", "\r\n".join(lines[:3]).encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settlement/exports/{export.pk}/confirmations/", {"file": upload}, HTTP_HOST=OPS
        )
    page = client.get(response["Location"], HTTP_HOST=OPS).content.decode()
    confirmation = SettlementConfirmation.objects.get()
    assert confirmation.error_line == 4
    assert 'id="confirmation-rejected"' in page
    rejected = page[page.index('id="confirmation-rejected"') :]
    assert "۴" in rejected.split("</div>", 2)[1]
    assert escape(confirmation.error) in rejected
    assert set(SettlementBatch.objects.values_list("state", flat=True)) == {"exported"}


def test_exporting_a_day_twice_is_explained(
    client, sales, operator, django_capture_on_commit_callbacks
):
    client.post("/settlement/build/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settlement/exports/", {"day": DAY_TEXT}, HTTP_HOST=OPS)
    response = client.post("/settlement/exports/", {"day": DAY_TEXT}, HTTP_HOST=OPS, follow=True)
    assert SettlementExport.objects.count() == 1
    assert SettlementExport.objects.get().number in response.content.decode()


def test_a_bad_day_is_explained_and_the_page_still_shown(client, operator):
    response = client.get("/settlement/", {"day": "1405/13/40"}, HTTP_HOST=OPS)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


def test_a_branch_manager_looks_but_does_not_settle(client, sales):
    client.force_login(create_user(insurer_role="branch_manager"))
    assert client.get("/settlement/", HTTP_HOST=OPS).status_code == 200
    assert client.post("/settlement/build/", {"day": DAY_TEXT}, HTTP_HOST=OPS).status_code == 404
    assert not SettlementBatch.objects.exists()


@pytest.mark.parametrize("role", ["marketing", ""])
def test_others_find_no_settlement(client, sales, role):
    client.force_login(create_user(insurer_role=role))
    assert client.get("/settlement/", HTTP_HOST=OPS).status_code == 404
    assert client.post("/settlement/build/", {"day": DAY_TEXT}, HTTP_HOST=OPS).status_code == 404
    assert not SettlementBatch.objects.exists()


def test_anonymous_visitors_log_in_first(client):
    response = client.get("/settlement/", HTTP_HOST=OPS)
    assert response.status_code == 302 and "login" in response["Location"]
