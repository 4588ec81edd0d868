"""The panel's SMS log (issue 13, items 8 and 9; decision 039): what the agency sent and
what came back, filtered by Jalali dates, status, line, source and a customer or number in any
spelling, with totals, pages in a constant number of queries and the filtered rows in Excel;
another agency's messages never appear; the card's timeline shows the agency's messages to
the customer with what sent them."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgencyMembership
from core.jalali import format_jalali_date, format_jalali_datetime
from core.models import SmsInbound, SmsMessage
from core.xlsx_reader import xlsx_rows
from crm.models import Customer, CustomerGroup
from crm.services.customers import customer_create
from messaging import log_sources
from tests.crm.conftest import inside, owner_of
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
LOG = "/sms/log/"


@pytest.fixture
def owner_client(client, agency):
    client.force_login(owner_of(agency))
    return client


@pytest.fixture
def pattern_names():
    """Patterns named as their part will (its own registration, restored afterwards)."""
    before = dict(log_sources._kinds)

    def names(ids):
        list(CustomerGroup.objects.filter(pk__in=ids))  # a query, as a real reader makes
        return {pk: f"تمدید {pk}" for pk in ids}

    log_sources.sms_source_register(prefix="pattern", label="الگوی تماس", names=names)
    yield
    log_sources._kinds.clear()
    log_sources._kinds.update(before)


def customer_of(agency, *, first="مریم", last="احمدی", phones=("09121110000",)) -> Customer:
    with inside(agency):
        return customer_create(
            agency=agency,
            actor=owner_of(agency),
            first_name=first,
            last_name=last,
            phones=list(phones),
            allow_duplicates=True,
        )


def message(agency, *, to="09121110000", customer=None, ago=dt.timedelta(hours=1), **fields):
    values = {
        "body": "یادآوری تمدید بیمه‌نامه",
        "status": SmsMessage.Status.DELIVERED,
        "parts": 1,
        "cost": Decimal(1_000),
        **fields,
    }
    row = SmsMessage.objects.create(
        to=to, agency_id=agency.pk, customer_id=customer.pk if customer else None, **values
    )
    SmsMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - ago)
    row.refresh_from_db()
    return row


def shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message="(\d+)"', html)]


def page(client, query: str = "") -> str:
    response = client.get(f"{LOG}?{query}", HTTP_HOST=PANEL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_log_shows_each_message_with_its_status_source_parts_and_cost_in_persian(
    owner_client, agency, pattern_names
):
    customer = customer_of(agency)
    member = create_user(first_name="سارا", last_name="کارمند")
    by_pattern = message(agency, customer=customer, source="pattern:7", parts=2, cost=2_000)
    by_bulk = message(agency, customer=customer, source="bulk:3", ago=dt.timedelta(hours=2))
    by_hand = message(
        agency,
        customer=customer,
        actor_id=member.pk,
        status=SmsMessage.Status.BLACKLISTED,
        line="promotional",
        ago=dt.timedelta(hours=3),
    )
    by_system = message(agency, kind="sale_link", status="failed", ago=dt.timedelta(hours=4))

    html = page(owner_client)

    assert shown(html) == [by_pattern.pk, by_bulk.pk, by_hand.pk, by_system.pk]
    rows = dict(zip(shown(html), re.findall(r"<tr data-message.*?</tr>", html, re.S), strict=True))
    assert (
        "الگوی تماس: تمدید ۷" in rows[by_pattern.pk] or "الگوی تماس: تمدید 7" in rows[by_pattern.pk]
    )
    assert "تحویل شد" in rows[by_pattern.pk] and "مریم احمدی" in rows[by_pattern.pk]
    assert "ارسال گروهی" in rows[by_bulk.pk]
    assert "ارسال توسط سارا کارمند" in rows[by_hand.pk]
    assert "مسدودی تبلیغات" in rows[by_hand.pk] and "خط تبلیغاتی" in rows[by_hand.pk]
    assert "سامانه" in rows[by_system.pk] and "ناموفق" in rows[by_system.pk]
    for code in ("pattern:", "bulk:", "blacklisted", "promotional", "sale_link", ">failed<"):
        assert code not in re.sub(r'data-status="\w+"', "", "".join(rows.values())), code
    # Totals of the filter: 4 messages, 5 parts, 5,000 rials.
    totals = re.search(r'id="sms-log-totals">(.*?)</p>', html, re.S).group(1)
    assert "۴ پیامک" in totals and "۵ بخش" in totals and "۵٬۰۰۰" in totals


def test_filters_by_jalali_dates_status_line_and_source(owner_client, agency):
    old = message(agency, source="bulk:1", ago=dt.timedelta(days=40))
    failed = message(agency, status=SmsMessage.Status.FAILED, source="pattern:2")
    promotional = message(agency, line="promotional", source="bulk:1")
    manual = message(agency, actor_id=owner_of(agency).pk)
    system = message(agency, ago=dt.timedelta(minutes=5))
    since = format_jalali_date(timezone.now() - dt.timedelta(days=2), persian_digits=True)
    until = format_jalali_date(timezone.now() - dt.timedelta(days=30), persian_digits=False)

    assert set(shown(page(owner_client, f"date_from={since}"))) == {
        failed.pk,
        promotional.pk,
        manual.pk,
        system.pk,
    }
    assert shown(page(owner_client, f"date_to={until}")) == [old.pk]
    assert shown(page(owner_client, "status=failed")) == [failed.pk]
    assert shown(page(owner_client, "line=promotional")) == [promotional.pk]
    assert set(shown(page(owner_client, "source=bulk"))) == {old.pk, promotional.pk}
    assert shown(page(owner_client, "source=pattern")) == [failed.pk]
    assert shown(page(owner_client, "source=manual")) == [manual.pk]
    assert shown(page(owner_client, "source=system")) == [system.pk]
    totals = re.search(r'id="sms-log-totals">(.*?)</p>', page(owner_client, "source=bulk"), re.S)
    assert "۲ پیامک" in totals.group(1)


@pytest.mark.parametrize("query", ["+98 912 111 0000", "۰۹۱۲۱۱۱۰۰۰۰", "9121110000"])
def test_search_by_number_in_any_form(owner_client, agency, query):
    mine = message(agency, to="09121110000")
    message(agency, to="09350000000")

    assert shown(page(owner_client, f"q={query}")) == [mine.pk]


def test_search_by_customer_name_in_any_spelling(owner_client, agency):
    customer = customer_of(agency, first="علی", last="کاظمی")
    other = customer_of(agency, first="رضا", last="نوری", phones=("09351112222",))
    mine = message(agency, customer=customer)
    message(agency, customer=other, to="09351112222")

    assert shown(page(owner_client, "q=علي كاظمي")) == [mine.pk]
    assert shown(page(owner_client, "q=ناشناخته")) == []


def test_the_received_tab_shows_replies_with_their_customer_or_unknown(owner_client, agency):
    customer = customer_of(agency)
    now = timezone.now()
    known = SmsInbound.objects.create(
        backend="dev",
        provider_id="1",
        sender="09121110000",
        body="لغو",
        received_at=now,
        agency_id=agency.pk,
        opt_out=True,
    )
    unknown = SmsInbound.objects.create(
        backend="dev",
        provider_id="2",
        sender="09359998877",
        body="سلام",
        received_at=now - dt.timedelta(minutes=1),
        agency_id=agency.pk,
    )

    html = page(owner_client, "tab=received")

    assert re.findall(r'data-inbound="(\d+)"', html) == [str(known.pk), str(unknown.pk)]
    assert f"/crm/customers/{customer.pk}/" in html and "مریم احمدی" in html
    assert "شمارهٔ ناشناس" in html
    assert format_jalali_datetime(now) in html
    searched = page(owner_client, "tab=received&q=مريم")
    assert re.findall(r'data-inbound="(\d+)"', searched) == [str(known.pk)]


def test_another_agencys_messages_and_replies_never_show(owner_client, agency, other_agency):
    mine = message(agency)
    message(other_agency)
    SmsInbound.objects.create(
        backend="dev",
        provider_id="9",
        sender="09121110000",
        body="پیام نمایندگی دیگر",
        received_at=timezone.now(),
        agency_id=other_agency.pk,
    )

    assert shown(page(owner_client)) == [mine.pk]
    assert "پیام نمایندگی دیگر" not in page(owner_client, "tab=received")
    book = owner_client.get(f"{LOG}?format=xlsx", HTTP_HOST=PANEL)
    assert len(list(xlsx_rows(io.BytesIO(b"".join(book.streaming_content))))) == 2


def test_staff_may_not_open_the_log(client, agency):
    member = create_user()
    AgencyMembership.objects.create(user=member, agency=agency, role=AgencyMembership.Role.STAFF)
    client.force_login(member)

    assert client.get(LOG, HTTP_HOST=PANEL).status_code == 403


def _queries(client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, query)
    return len(queries)


def test_a_page_takes_the_same_queries_however_many_messages(owner_client, agency, pattern_names):
    customer = customer_of(agency)
    member = create_user(first_name="سارا")

    def fill(count: int) -> None:
        for index in range(count):
            message(agency, customer=customer, source=f"pattern:{index}")
            message(agency, customer=customer, source=f"bulk:{index}")
            message(agency, customer=customer, actor_id=member.pk)
            SmsInbound.objects.create(
                backend="dev",
                provider_id=f"{count}-{index}",
                sender="09121110000",
                body="سلام",
                received_at=timezone.now(),
                agency_id=agency.pk,
            )

    fill(1)
    _queries(owner_client)  # warm the session
    few = _queries(owner_client), _queries(owner_client, "tab=received&q=مریم")
    fill(20)
    many = _queries(owner_client), _queries(owner_client, "tab=received&q=مریم")
    assert many == few


def test_the_excel_file_holds_the_filtered_rows_in_persian_with_jalali_times(
    owner_client, agency, pattern_names
):
    customer = customer_of(agency)
    delivered = message(agency, customer=customer, source="pattern:4", parts=2, cost=2_500)
    message(agency, status=SmsMessage.Status.FAILED)

    response = owner_client.get(f"{LOG}?status=delivered&format=xlsx", HTTP_HOST=PANEL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    rows = [values for _number, values in xlsx_rows(io.BytesIO(content))]
    assert rows[0] == [
        "زمان",
        "شماره",
        "مشتری",
        "متن",
        "وضعیت",
        "خط ارسال",
        "فرستنده",
        "تعداد بخش‌ها",
        "هزینه (ریال)",
    ]
    assert rows[1:] == [
        [
            format_jalali_datetime(delivered.created_at, persian_digits=False),
            "09121110000",
            "مریم احمدی",
            "یادآوری تمدید بیمه‌نامه",
            "تحویل شد",
            "خط خدماتی",
            "الگوی تماس: تمدید 4",
            "2",
            "2500",
        ]
    ]
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert '<c s="2"><v>2500</v></c>' in sheet  # a number, not text


def test_the_received_excel_file(owner_client, agency):
    customer_of(agency)
    received_at = timezone.now()
    SmsInbound.objects.create(
        backend="dev",
        provider_id="1",
        sender="09121110000",
        body="لغو",
        received_at=received_at,
        agency_id=agency.pk,
        opt_out=True,
    )

    response = owner_client.get(f"{LOG}?tab=received&format=xlsx", HTTP_HOST=PANEL)

    rows = [
        values for _number, values in xlsx_rows(io.BytesIO(b"".join(response.streaming_content)))
    ]
    assert rows == [
        ["زمان", "شماره", "مشتری", "متن", "درخواست لغو"],
        [
            format_jalali_datetime(received_at, persian_digits=False),
            "09121110000",
            "مریم احمدی",
            "لغو",
            "بله",
        ],
    ]


def _card(client, customer) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/crm/customers/{customer.pk}/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_customers_timeline_shows_the_agencys_messages_with_what_sent_them(
    owner_client, agency, other_agency, pattern_names
):
    customer = customer_of(agency)
    member = create_user(first_name="سارا", last_name="کارمند")
    message(agency, customer=customer, source="pattern:5", body="تمدید نزدیک است")
    message(agency, customer=customer, source="bulk:2", status=SmsMessage.Status.QUEUED)
    message(agency, customer=customer, actor_id=member.pk, body="با شما تماس می‌گیریم")
    message(other_agency, customer=customer, body="پیام نمایندگی دیگر")  # same id, other agency
    _card(owner_client, customer)  # warm the session
    few, html = _card(owner_client, customer)

    entries = re.findall(r'<li data-timeline="sms">(.*?)</li>', html, re.S)
    assert len(entries) == 3
    assert "پیامک ارسالی" in entries[0]
    assert any("تحویل شد · الگوی تماس: تمدید" in entry for entry in entries)
    assert any("در صف · ارسال گروهی" in entry for entry in entries)
    assert any("ارسال توسط سارا کارمند" in entry for entry in entries)
    assert "پیام نمایندگی دیگر" not in html
    for index in range(10):
        message(agency, customer=customer, source=f"pattern:{10 + index}")
        message(agency, customer=customer, actor_id=member.pk)
    many, _html = _card(owner_client, customer)
    assert many == few


def test_a_long_excel_file_holds_the_newest_rows_and_says_so(owner_client, agency, monkeypatch):
    from messaging import log_export

    monkeypatch.setattr(log_export, "MAX_ROWS", 2)
    monkeypatch.setattr(log_export, "CHUNK", 2)
    newest = [message(agency, ago=dt.timedelta(minutes=minutes)) for minutes in (1, 2, 3)]

    response = owner_client.get(f"{LOG}?format=xlsx", HTTP_HOST=PANEL)

    rows = [values for _n, values in xlsx_rows(io.BytesIO(b"".join(response.streaming_content)))]
    assert [row[0] for row in rows[1:3]] == [
        format_jalali_datetime(row.created_at, persian_digits=False) for row in newest[:2]
    ]
    assert rows[3][0] == "فقط 2 پیامک تازه‌تر؛ برای بقیه، بازهٔ تاریخ را کوتاه‌تر کنید."
    assert len(rows) == 4


def test_totals_too_slow_to_sum_are_given_up_and_the_page_says_so(
    owner_client, agency, monkeypatch
):
    from messaging import log

    message(agency)
    monkeypatch.setattr(log, "TOTALS_TIMEOUT_MS", 1)
    real_aggregate = log.QuerySet.aggregate

    def slow(self, *args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.05)")
        return real_aggregate(self, *args, **kwargs)

    monkeypatch.setattr(log.QuerySet, "aggregate", slow)

    html = page(owner_client)

    assert "برای دیدن جمع، بازهٔ تاریخ را کوتاه‌تر کنید" in html
    assert len(shown(html)) == 1
