"""Bulk send pages: a list with a constant query count, a new send from a pasted list whose
invalid rows are listed in Persian, sending from the preview, the credit refusal shown, the
progress fragment, cancelling, staff seeing but not sending, another agency's id a 404."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import SmsMessage
from core.sms.credit import credit_balance, credit_top_up
from crm.models import CustomerGroup
from messaging.bulk.models import BulkSend
from messaging.bulk.services import bulk_create, bulk_schedule, bulk_send_run
from tests.crm.conftest import inside
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
TEXT = "جشنواره تخفیف بیمه بدنه"


@pytest.fixture
def owner_client(client, owner_membership):
    client.force_login(owner_membership.user)
    return client


def _bulk(membership, numbers: list[str], name: str = "جشنواره") -> BulkSend:
    with inside(membership.agency):
        return bulk_create(
            agency=membership.agency,
            membership=membership,
            name=name,
            body=TEXT,
            audience=BulkSend.Audience.UPLOAD,
            pasted="\n".join(numbers),
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_2_and_25_sends(owner_client, owner_membership):
    for n in range(2):
        _bulk(owner_membership, [f"0912000000{n}"], name=f"ارسال {n}")
    _queries(owner_client, "/sms/bulk/")
    few = _queries(owner_client, "/sms/bulk/")
    with inside(owner_membership.agency):
        group = CustomerGroup.objects.create(name="وفادار")
        person(group=group)
        for n in range(23):
            bulk_create(
                agency=owner_membership.agency,
                membership=owner_membership,
                name=f"گروه {n}",
                body=TEXT,
                audience=BulkSend.Audience.GROUP,
                group=group,
            )
    many = _queries(owner_client, "/sms/bulk/")
    assert few == many
    page = owner_client.get("/sms/bulk/", HTTP_HOST=PANEL).content.decode()
    assert "وفادار" in page and "ارسال ۱" in page


def test_the_detail_costs_the_same_queries_for_few_and_many_skips(owner_client, owner_membership):
    small = _bulk(owner_membership, ["09120000001", "bad"])
    _queries(owner_client, f"/sms/bulk/{small.pk}/")
    few = _queries(owner_client, f"/sms/bulk/{small.pk}/")
    big = _bulk(owner_membership, ["09120000001"] + [f"x{n}" for n in range(40)])
    assert _queries(owner_client, f"/sms/bulk/{big.pk}/") == few


def test_a_pasted_list_becomes_a_preview_with_its_invalid_rows_in_persian(
    owner_client, owner_membership
):
    credit_top_up(agency_id=owner_membership.agency_id, amount=1_000_000)
    response = owner_client.post(
        "/sms/bulk/new/",
        {
            "name": "تخفیف پاییز",
            "body": TEXT,
            "line": "promotional",
            "audience": "upload",
            "pasted": "۰۹۱۲ ۱۲۳ ۴۵۶۷\n+989121234567\n12345\n09121234568",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    page = owner_client.get(response["Location"], HTTP_HOST=PANEL).content.decode()
    assert "ردیف ۳: «۱۲۳۴۵» شماره موبایل نیست." in page
    assert "ردیف ۲: این شماره پیش‌تر در فهرست آمده است." in page
    assert 'id="preview-recipients">۲<' in page
    assert 'id="preview-cost">۱٬۸۰۰<' in page or 'id="preview-cost">۱,۸۰۰<' in page


def test_sending_from_the_page_and_the_progress_fragment(owner_client, owner_membership):
    agency = owner_membership.agency
    credit_top_up(agency_id=agency.pk, amount=1_000_000)
    bulk = _bulk(owner_membership, ["09120000001", "09120000002", "09120000003"])
    response = owner_client.post(f"/sms/bulk/{bulk.pk}/send/", {}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    with inside(agency):
        bulk.refresh_from_db()
        assert bulk.state == BulkSend.State.SCHEDULED
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
    SmsMessage.objects.filter(to="09120000001").update(status="delivered")
    SmsMessage.objects.filter(to="09120000002").update(status="blacklisted")
    fragment = owner_client.get(
        f"/sms/bulk/{bulk.pk}/progress/", HTTP_HOST=PANEL, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="count-delivered">۱<' in fragment
    assert 'id="count-blocked">۱<' in fragment
    assert 'id="count-queued">۱<' in fragment
    assert 'hx-trigger="every 3s"' in fragment
    SmsMessage.objects.filter(to="09120000003").update(status="sent")
    fragment = owner_client.get(f"/sms/bulk/{bulk.pk}/progress/", HTTP_HOST=PANEL).content.decode()
    assert "hx-trigger" not in fragment  # done: polling stops
    with inside(agency):
        bulk.refresh_from_db()
    assert bulk.state == BulkSend.State.DONE


def test_a_send_the_credit_does_not_cover_is_refused_on_the_page(owner_client, owner_membership):
    bulk = _bulk(owner_membership, ["09120000001"])
    page = owner_client.get(f"/sms/bulk/{bulk.pk}/", HTTP_HOST=PANEL).content.decode()
    assert 'id="bulk-short"' in page
    response = owner_client.post(f"/sms/bulk/{bulk.pk}/send/", {}, HTTP_HOST=PANEL, follow=True)
    assert "اعتبار پیامک کافی نیست" in response.content.decode()
    assert not SmsMessage.objects.exists()


def test_scheduling_at_a_jalali_time_then_cancelling(owner_client, owner_membership):
    agency = owner_membership.agency
    credit_top_up(agency_id=agency.pk, amount=1_000_000)
    bulk = _bulk(owner_membership, ["09120000001"])
    from core.jalali import to_jalali

    tomorrow = to_jalali(timezone.localdate() + dt.timedelta(days=1))
    response = owner_client.post(
        f"/sms/bulk/{bulk.pk}/send/",
        {"send_date": tomorrow.strftime("%Y/%m/%d"), "send_time": "۱۰:۳۰"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        bulk.refresh_from_db()
    local = timezone.localtime(bulk.scheduled_at)
    assert (local.date(), local.hour, local.minute) == (
        timezone.localdate() + dt.timedelta(days=1),
        10,
        30,
    )
    assert bulk.state == BulkSend.State.SCHEDULED
    owner_client.post(f"/sms/bulk/{bulk.pk}/cancel/", {}, HTTP_HOST=PANEL)
    with inside(agency):
        bulk.refresh_from_db()
    assert bulk.state == BulkSend.State.CANCELLED
    assert credit_balance(agency.pk) == 1_000_000
    assert not SmsMessage.objects.exists()


def test_an_uploaded_csv_file_through_the_form(owner_client, owner_membership):
    upload = io.BytesIO("شماره\n09121234567\n09121234567\n".encode())
    upload.name = "list.csv"
    response = owner_client.post(
        "/sms/bulk/new/",
        {
            "name": "فایل",
            "body": TEXT,
            "line": "promotional",
            "audience": "upload",
            "upload": upload,
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(owner_membership.agency):
        bulk = BulkSend.objects.get()
    assert (bulk.recipients, bulk.skipped_duplicate) == (1, 1)


def test_staff_see_sends_but_may_not_create_send_or_cancel(
    client, owner_membership, staff_membership
):
    bulk = _bulk(owner_membership, ["09120000001"])
    client.force_login(staff_membership.user)
    assert client.get("/sms/bulk/", HTTP_HOST=PANEL).status_code == 200
    page = client.get(f"/sms/bulk/{bulk.pk}/", HTTP_HOST=PANEL).content.decode()
    assert 'id="bulk-schedule"' not in page and 'id="bulk-cancel"' not in page
    assert client.get("/sms/bulk/new/", HTTP_HOST=PANEL).status_code == 403
    assert client.post(f"/sms/bulk/{bulk.pk}/send/", {}, HTTP_HOST=PANEL).status_code == 403
    assert client.post(f"/sms/bulk/{bulk.pk}/cancel/", {}, HTTP_HOST=PANEL).status_code == 403


def test_another_agencys_bulk_send_is_not_found(client, owner_membership, other_agency):
    from accounts.models import AgencyMembership

    bulk = _bulk(owner_membership, ["09120000001"])
    other_owner = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    client.force_login(other_owner)
    for path in ("", "progress/"):
        assert client.get(f"/sms/bulk/{bulk.pk}/{path}", HTTP_HOST=PANEL).status_code == 404
    for path in ("send/", "cancel/"):
        assert client.post(f"/sms/bulk/{bulk.pk}/{path}", {}, HTTP_HOST=PANEL).status_code == 404
    with inside(owner_membership.agency):
        bulk.refresh_from_db()
    assert bulk.state == BulkSend.State.DRAFT


def test_a_report_with_jalali_filters_and_a_customer_list_filter_as_audiences(
    owner_client, owner_membership
):
    from core.jalali import to_jalali
    from tests.crm.reports_data import book

    agency = owner_membership.agency
    today = timezone.localdate()
    with inside(agency):
        lapsed = person("سعید", kind="definite")
        long_ago = person("نادر")
        book(lapsed, end=today - dt.timedelta(days=3), origin="ledger")
        book(long_ago, end=today - dt.timedelta(days=40), origin="ledger")
    jalali = {
        "date_from": to_jalali(today - dt.timedelta(days=10)).strftime("%Y/%m/%d"),
        "date_to": to_jalali(today).strftime("%Y/%m/%d"),
    }
    response = owner_client.post(
        "/sms/bulk/new/",
        {
            "name": "تمدیدنشده",
            "body": TEXT,
            "line": "promotional",
            "audience": "report",
            "audience_key": "report:not-renewed",
            **jalali,
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    response = owner_client.post(
        "/sms/bulk/new/",
        {
            "name": "قطعی",
            "body": TEXT,
            "line": "promotional",
            "audience": "filter",
            "kind": "definite",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        report, listed = BulkSend.objects.order_by("id")
    assert report.filters == {
        "first": (today - dt.timedelta(days=10)).isoformat(),
        "last": today.isoformat(),
    }
    assert listed.filters == {"kind": "definite"}
    assert (report.recipients, listed.recipients) == (1, 1)
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        for bulk in (report, listed):
            bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
            bulk_send_run(agency=agency, bulk_id=bulk.pk)
    sent = set(SmsMessage.objects.values_list("source", "customer_id"))
    assert sent == {(report.source, lapsed.pk), (listed.source, lapsed.pk)}
