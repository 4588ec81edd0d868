"""SMS credit on the ops host: every agency's credit and month usage (searchable, Excel, a
constant number of queries), an operator's top-up or adjustment with a note (audited, never
below zero, allowed for a suspended agency), and one agency's yearly usage report."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.jalali import tehran
from core.models import AuditLog, SmsCreditEntry, SmsMessage
from core.sms.credit import credit_balance
from core.text import normalize_text
from messaging.credit.selectors import jalali_month, ops_usage_of, this_month
from tenants.models import Agency
from tenants.services import agency_set_status
from tests.factories import create_user
from tests.messaging.credit_fixtures import OPS, charge, refund, top_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = create_user(insurer_role="operator", first_name="رضا", last_name="اپراتور")
    client.force_login(user)
    return user


def _bare_agencies(count: int, start: int = 5000) -> list[Agency]:
    """Agency rows without schemas: the ops pages never enter an agency's schema."""
    return Agency.objects.bulk_create(
        [
            Agency(
                code=start + n,
                name=f"نمایندگی شماره {n}",
                schema_name=f"ar{start + n}",
                latitude=Decimal("35.7"),
                longitude=Decimal("51.4"),
            )
            for n in range(count)
        ]
    )


def test_the_list_shows_credit_month_usage_and_last_top_up(client, operator, agency, other_agency):
    top_up(agency.pk, 900_000, when=dt.datetime(2026, 11, 23, 10, tzinfo=tehran()))
    charge(agency.pk, messages=10, parts=12)
    refund(agency.pk, messages=1, parts=2)
    html = client.get("/sms/", HTTP_HOST=OPS).content.decode()
    row = html.split(f'id="sms-agency-{agency.pk}"')[1].split("</tr>")[0]
    assert "۶۸۵ — نمایندگی خلیلی" in row
    assert '<td class="balance">۸۸۸٬۰۰۰</td>' in row  # 900,000 - 14,400 + 2,400
    assert '<td class="messages">۹</td>' in row
    assert '<td class="cost">۱۲٬۰۰۰</td>' in row
    assert "۱۴۰۵/۰۹/۰۲ ۱۰:۰۰" in row and "۹۰۰٬۰۰۰" in row
    other = html.split(f'id="sms-agency-{other_agency.pk}"')[1].split("</tr>")[0]
    assert '<td class="balance">۰</td>' in other and "—" in other


def test_a_past_jalali_month_is_shown_on_request(client, operator, agency):
    top_up(agency.pk, 500_000)
    aban = jalali_month(1405, 8)
    charge(agency.pk, messages=3, parts=3, when=aban.start + dt.timedelta(days=2))
    html = client.get("/sms/", {"month": "۱۴۰۵/۰۸"}, HTTP_HOST=OPS).content.decode()
    row = html.split(f'id="sms-agency-{agency.pk}"')[1].split("</tr>")[0]
    assert '<td class="messages">۳</td>' in row
    assert "آبان ۱۴۰۵" in html


def test_the_search_matches_any_spelling_of_the_name_or_the_code(
    client, operator, agency, other_agency
):
    html = client.get("/sms/", {"q": "خليلي"}, HTTP_HOST=OPS).content.decode()  # Arabic ي
    assert f'id="sms-agency-{agency.pk}"' in html
    assert f'id="sms-agency-{other_agency.pk}"' not in html
    html = client.get("/sms/", {"q": "۶۸۶"}, HTTP_HOST=OPS).content.decode()
    assert f'id="sms-agency-{other_agency.pk}"' in html
    assert f'id="sms-agency-{agency.pk}"' not in html


def test_the_list_costs_the_same_queries_for_3_and_50_agencies(client, operator):
    agencies = _bare_agencies(3)
    for agency in agencies:
        top_up(agency.pk, 200_000)
        charge(agency.pk, messages=2, parts=2)
    client.get("/sms/", HTTP_HOST=OPS)
    with CaptureQueriesContext(connection) as few:
        client.get("/sms/", HTTP_HOST=OPS)
    for agency in _bare_agencies(47, start=6000):
        top_up(agency.pk, 200_000)
        charge(agency.pk, messages=2, parts=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/sms/", HTTP_HOST=OPS)
    assert response.status_code == 200
    assert len(few) == len(many)
    assert response.content.decode().count('<td class="messages">۲</td>') == 50


def test_the_list_excel_holds_every_matching_agency(client, operator, agency, other_agency):
    top_up(agency.pk, 300_000)
    charge(agency.pk, messages=4, parts=5)
    response = client.get("/sms/credit.xlsx", HTTP_HOST=OPS)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("کد نمایندگی", "نمایندگی", "اعتبار (ریال)")
    assert rows[1][:6] == ("685", "نمایندگی خلیلی", 294_000, 4, 5, 6_000)
    assert rows[2][:3] == ("686", "نمایندگی اصفهان", 0)


def test_an_operator_tops_up_with_a_note_and_it_is_audited(client, operator, agency):
    response = client.post(
        f"/sms/{agency.pk}/credit/",
        {"kind": "top_up", "amount": "۲٬۰۰۰٬۰۰۰", "note": "جايزهٔ فروش"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    entry = SmsCreditEntry.objects.get(agency_id=agency.pk)
    assert (entry.kind, entry.amount, entry.actor_id) == ("top_up", 2_000_000, operator.pk)
    assert entry.note == normalize_text("جايزهٔ فروش") != "جايزهٔ فروش"  # normalised
    assert entry.actor_label == "رضا اپراتور"
    audit = AuditLog.objects.get(action="sms_credit.top_up")
    assert audit.actor_id == operator.pk and audit.agency_id == agency.pk
    page = client.get(f"/sms/{agency.pk}/", HTTP_HOST=OPS).content.decode()
    assert 'id="credit-balance">۲٬۰۰۰٬۰۰۰ ریال' in page and "رضا اپراتور" in page


def test_an_adjustment_may_be_negative_but_never_below_zero(client, operator, agency):
    top_up(agency.pk, 100_000)
    response = client.post(
        f"/sms/{agency.pk}/credit/",
        {"kind": "adjustment", "amount": "-۱۵۰٬۰۰۰", "note": "اشتباه"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 400
    assert "اعتبار ۱۰۰٬۰۰۰ ریال است: اصلاح نمی‌تواند آن را کمتر از صفر کند." in (
        response.content.decode()
    )
    assert credit_balance(agency.pk) == Decimal(100_000)
    assert SmsCreditEntry.objects.count() == 1
    client.post(
        f"/sms/{agency.pk}/credit/",
        {"kind": "adjustment", "amount": "-40000", "note": "اشتباه"},
        HTTP_HOST=OPS,
    )
    assert credit_balance(agency.pk) == Decimal(60_000)
    assert AuditLog.objects.filter(action="sms_credit.adjustment", actor=operator).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "top_up", "amount": "-5000", "note": "x"}, "مبلغ باید بیشتر از صفر باشد."),
        ({"kind": "adjustment", "amount": "0", "note": "x"}, "مبلغ نمی‌تواند صفر باشد."),
        ({"kind": "top_up", "amount": "5000", "note": ""}, "این فیلد الزامی است."),
    ],
)
def test_a_wrong_entry_is_refused_in_persian(client, operator, agency, data, message):
    response = client.post(f"/sms/{agency.pk}/credit/", data, HTTP_HOST=OPS)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SmsCreditEntry.objects.exists()


def test_the_insurer_adjusts_a_suspended_agency(client, operator, agency):
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    client.post(
        f"/sms/{agency.pk}/credit/",
        {"kind": "top_up", "amount": "500000", "note": "تسویه"},
        HTTP_HOST=OPS,
    )
    assert credit_balance(agency.pk) == Decimal(500_000)


def test_a_branch_manager_looks_but_does_not_act(client, agency):
    client.force_login(create_user(insurer_role="branch_manager"))
    page = client.get(f"/sms/{agency.pk}/", HTTP_HOST=OPS)
    assert page.status_code == 200 and 'id="ops-credit-form"' not in page.content.decode()
    response = client.post(
        f"/sms/{agency.pk}/credit/",
        {"kind": "top_up", "amount": "500000", "note": "x"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 404
    assert not SmsCreditEntry.objects.exists()
    client.force_login(create_user(insurer_role="marketing"))
    assert client.get("/sms/", HTTP_HOST=OPS).status_code == 404


def _message(agency_id: int, status: str, when: dt.datetime) -> None:
    message = SmsMessage.objects.create(
        to="09120000000", body="x", agency_id=agency_id, status=status, parts=1, batched=True
    )
    SmsMessage.objects.filter(pk=message.pk).update(created_at=when)


def test_the_usage_report_counts_a_year_by_jalali_month_with_excel(client, operator, agency):
    top_up(agency.pk, 1_000_000)
    azar = jalali_month(1405, 9)
    mehr = jalali_month(1405, 7)
    charge(agency.pk, messages=4, parts=6, when=azar.start + dt.timedelta(hours=1))
    refund(agency.pk, messages=1, parts=2, when=azar.start + dt.timedelta(hours=2))
    charge(agency.pk, messages=2, parts=2, when=mehr.end - dt.timedelta(minutes=1))
    for status in ("delivered", "delivered", "undelivered", "failed", "blacklisted"):
        _message(agency.pk, status, azar.start + dt.timedelta(hours=1))
    _message(agency.pk, "delivered", mehr.start)
    # Another agency's messages are not counted.
    _message(agency.pk + 1000, "delivered", azar.start)
    page = client.get(f"/sms/{agency.pk}/", {"year": "۱۴۰۵"}, HTTP_HOST=OPS).content.decode()
    row = page.split('id="usage-9"')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[1:]] == [
        "آذر ۱۴۰۵",
        "۳",
        "۴",
        "۴٬۸۰۰",
        "۲",
        "۲",
        "۱",
    ]
    response = client.get(f"/sms/{agency.pk}/usage.xlsx", {"year": "1405"}, HTTP_HOST=OPS)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert len(rows) == 13
    assert rows[7][1:] == (2, 2, 2_400, 1, 0, 0)
    assert rows[9][1:] == (3, 4, 4_800, 2, 2, 1)


def test_the_usage_of_a_page_is_two_queries(agency, other_agency):
    top_up(agency.pk, 100_000)
    with CaptureQueriesContext(connection) as queries:
        ops_usage_of(agency_ids=[agency.pk, other_agency.pk], month=this_month())
    assert len(queries) == 2


@pytest.mark.skipif(not os.environ.get("SMS_CREDIT_BENCH"), reason="a measurement, on request")
def test_measure_the_ops_list_at_2000_agencies_and_millions_of_messages(client, operator):
    """SMS_CREDIT_BENCH=1: 2,000 agencies, 300 ledger rows and 1,000 messages each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenants_agency (schema_name, code, kind, name, licence_number, status, "
            "latitude, longitude, address, city, province, phone, accepts_referrals, can_issue, "
            "created_at, updated_at) SELECT 'ar' || (10000 + n), 10000 + n, 'agent', "
            "'نمایندگی ' || n, '', 'active', 35.7, 51.4, '', 'تهران', 'تهران', '', true, false, "
            "now(), now() FROM generate_series(1, 2000) n"
        )
        cursor.execute(
            "INSERT INTO core_smsaccount (agency_id, balance, window_start, window_end, "
            "automated_daily_cap, updated_at) SELECT id, 1000000, '08:00', '21:00', 1, now() "
            "FROM tenants_agency"
        )
        cursor.execute(
            "INSERT INTO core_smscreditentry (agency_id, kind, amount, balance_after, messages, "
            "parts, source, reference, note, actor_label, created_at) "
            "SELECT a.id, CASE WHEN g % 50 = 0 THEN 'top_up' WHEN g % 7 = 0 THEN 'refund' "
            "ELSE 'charge' END, -1200, 0, 3, 4, '', '', '', '', "
            "now() - (g || ' hours')::interval FROM tenants_agency a, generate_series(1, 300) g"
        )
        cursor.execute(
            'INSERT INTO core_smsmessage ("to", body, kind, sensitive, agency_id, status, line, '
            "batched, parts, cost, refunded, source, backend, provider_message_id, attempts, "
            "last_error, created_at) SELECT '0912', 'x', 'bulk', false, a.id, "
            "(ARRAY['delivered','failed','blacklisted','sent'])[1 + g % 4], 'promotional', true, "
            "1, 900, false, '', '', '', 1, '', now() - (g || ' minutes')::interval "
            "FROM tenants_agency a, generate_series(1, 1000) g"
        )
        cursor.execute(
            "ANALYZE core_smscreditentry; ANALYZE core_smsmessage; ANALYZE tenants_agency"
        )
    agency = Agency.objects.order_by("-code").first()
    timings = {}
    for name, url in (
        ("list", "/sms/"),
        ("list least credit", "/sms/?sort=balance"),
        ("search", "/sms/?q=1999"),
        ("agency report", f"/sms/{agency.pk}/"),
    ):
        client.get(url, HTTP_HOST=OPS)
        runs = []
        for _run in range(3):
            started = time.perf_counter()
            assert client.get(url, HTTP_HOST=OPS).status_code == 200
            runs.append(time.perf_counter() - started)
        timings[name] = min(runs)
    started = time.perf_counter()
    response = client.get("/sms/credit.xlsx", HTTP_HOST=OPS)
    timings["excel of 2,000"] = time.perf_counter() - started
    assert response.status_code == 200
    print({name: f"{seconds * 1000:.0f} ms" for name, seconds in timings.items()})  # noqa: T201
    with CaptureQueriesContext(connection) as queries:
        client.get("/sms/", HTTP_HOST=OPS)
    print("SQL of the list:", sum(float(q["time"]) for q in queries.captured_queries))  # noqa: T201
    assert timings["list"] < 1.0
