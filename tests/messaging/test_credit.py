"""The agency's SMS credit in its panel: balance, month, ledger with filters and Excel,
the online top-up through the sandbox bank (credited exactly once), the sending settings,
the dashboard cards, isolation and suspension."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgencyMembership
from core.jalali import tehran
from core.models import AuditLog, SmsAccount, SmsCreditEntry, SmsTopUpPayment
from core.payments.sandbox import sandbox_decide
from core.sms.credit import credit_balance, sms_account
from messaging.credit.dashboard import credit_cards
from messaging.credit.selectors import this_month
from messaging.credit.services import (
    ops_credit_record,
    sms_settings_update,
    top_up_payment_start,
)
from messaging.credit.tasks import top_ups_reconcile
from tenants.models import Agency
from tenants.panel.dashboard import period_for
from tenants.services import AgencyNotActive, agency_set_status
from tests.crm.conftest import owner, staff_member
from tests.factories import create_user
from tests.messaging.credit_fixtures import PANEL, at, charge, refund, top_up

__all__ = ["owner", "staff_member"]

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _start(client, amount: str = "۵۰۰٬۰۰۰"):
    """Post the top-up form; returns the payment and the bank page's URL."""
    response = client.post("/sms/credit/top-up/", {"amount": amount}, HTTP_HOST=PANEL)
    assert response.status_code == 302, response.content.decode()[:500]
    payment = SmsTopUpPayment.objects.latest("created_at")
    assert urlsplit(response["Location"]).path == f"/dev/bank/{payment.token}/"
    return payment


def _return(client, payment: SmsTopUpPayment, status: str):
    return client.get(
        f"/sms/credit/top-up/{payment.public_id}/",
        {"token": payment.token, "status": status},
        HTTP_HOST=PANEL,
        follow=True,
    )


# ---- the page --------------------------------------------------------------------------------


def test_the_page_shows_credit_month_usage_prices_and_ledger_in_persian(
    owner_client, agency, owner
):
    top_up(agency.pk, 1_000_000, actor=owner, note="شارژ اول")
    charge(agency.pk, messages=10, parts=20)
    refund(agency.pk, messages=2, parts=4)
    # Last month's charge counts in the ledger, not in this month's figures.
    charge(agency.pk, messages=5, parts=5, when=this_month().start - dt.timedelta(hours=1))
    html = owner_client.get("/sms/credit/", HTTP_HOST=PANEL).content.decode()
    # 1,000,000 - 24,000 + 4,800 - 6,000
    assert 'id="credit-balance">۹۷۴٬۸۰۰ ریال' in html
    assert 'id="credit-month-messages">۸<' in html
    assert "۱۶ بخش، ۱۹٬۲۰۰ ریال" in html
    assert "شارژ توسط بیمه‌گر" in html and "بازگشت هزینه پیامک‌های ردشده" in html
    assert "۱٬۲۰۰" in html and "۹۰۰" in html  # a part's price on each line
    when = timezone.localtime(SmsCreditEntry.objects.get(kind="top_up").created_at, tehran())
    assert f"{when:%H:%M}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in html
    assert owner.get_full_name() in html


def test_staff_may_not_open_the_credit_page_and_managers_may(client, agency, staff_member):
    client.force_login(staff_member.user)
    assert client.get("/sms/credit/", HTTP_HOST=PANEL).status_code == 403
    AgencyMembership.objects.filter(pk=staff_member.pk).update(role="manager")
    page = client.get("/sms/credit/", HTTP_HOST=PANEL).content.decode()
    assert 'id="credit-balance"' in page
    assert 'id="top-up-form"' not in page  # paying is the owner's
    assert (
        client.post("/sms/credit/top-up/", {"amount": "500000"}, HTTP_HOST=PANEL).status_code == 403
    )
    assert not SmsTopUpPayment.objects.exists()


def test_the_ledger_filters_by_kind_and_jalali_dates(owner_client, agency, owner):
    old = top_up(
        agency.pk, 300_000, when=dt.datetime(2026, 11, 1, 10, tzinfo=tehran())
    )  # 1405/08/10
    recent = top_up(agency.pk, 200_000, when=dt.datetime(2026, 11, 25, 10, tzinfo=tehran()))
    charged = charge(
        agency.pk, messages=1, parts=1, when=dt.datetime(2026, 11, 26, 9, tzinfo=tehran())
    )
    html = owner_client.get(
        "/sms/credit/", {"kind": "top_up", "date_from": "۱۴۰۵/۰۹/۰۱"}, HTTP_HOST=PANEL
    ).content.decode()
    assert f'id="entry-{recent.pk}"' in html
    assert f'id="entry-{old.pk}"' not in html and f'id="entry-{charged.pk}"' not in html
    html = owner_client.get(
        "/sms/credit/", {"date_to": "1405/08/30"}, HTTP_HOST=PANEL
    ).content.decode()
    assert f'id="entry-{old.pk}"' in html and f'id="entry-{recent.pk}"' not in html
    wrong = owner_client.get("/sms/credit/", {"date_from": "1405/13/40"}, HTTP_HOST=PANEL)
    assert "تاریخ شمسی معتبر وارد کنید" in wrong.content.decode()


def test_the_ledger_excel_holds_the_filtered_entries(owner_client, agency, owner):
    top_up(agency.pk, 500_000, actor=owner, note="یادداشت")
    charge(agency.pk, messages=3, parts=6)
    response = owner_client.get("/sms/credit/ledger.xlsx", {"kind": "charge"}, HTTP_HOST=PANEL)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("تاریخ و ساعت", "نوع", "مبلغ (ریال)", "اعتبار پس از آن (ریال)")
    assert len(rows) == 2
    assert rows[1][1:6] == ("پیامک‌های ارسالی", -7200, 492800, 3, 6)
    assert rows[1][0].startswith("۱۴۰")  # Jalali, Tehran time


def test_the_ledger_page_costs_the_same_queries_for_3_and_60_entries(owner_client, agency):
    for _n in range(3):
        top_up(agency.pk, 100_000)
    owner_client.get("/sms/credit/", HTTP_HOST=PANEL)
    with CaptureQueriesContext(connection) as few:
        owner_client.get("/sms/credit/", HTTP_HOST=PANEL)
    for _n in range(57):
        top_up(agency.pk, 100_000)
    with CaptureQueriesContext(connection) as many:
        page = owner_client.get("/sms/credit/", HTTP_HOST=PANEL)
    assert len(few) == len(many)
    assert "صفحه ۱ از ۲" in page.content.decode()


# ---- the online top-up -----------------------------------------------------------------------


def test_a_paid_top_up_is_credited_once_however_often_the_bank_returns(owner_client, agency, owner):
    payment = _start(owner_client, "۵۰۰٬۰۰۰")
    assert payment.amount == Decimal(500_000) and payment.agency_id == agency.pk
    sandbox_decide(token=payment.token, action="pay")
    page = _return(owner_client, payment, "OK").content.decode()
    assert "پرداخت انجام شد: اعتبار پیامک افزایش یافت." in page
    _return(owner_client, payment, "OK")  # the reload
    top_ups_reconcile()  # the sweep finds it settled
    entry = SmsCreditEntry.objects.get(agency_id=agency.pk)
    assert (entry.kind, entry.amount, entry.balance_after) == ("payment", 500_000, 500_000)
    assert entry.reference == f"payment:{payment.public_id}" and entry.actor_id == owner.pk
    assert credit_balance(agency.pk) == Decimal(500_000)
    payment.refresh_from_db()
    assert payment.state == "succeeded" and payment.reference
    actions = list(
        AuditLog.objects.filter(agency_id=agency.pk, action__startswith="sms_credit").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "sms_credit.payment",
        "sms_credit_payment.started",
        "sms_credit_payment.succeeded",
    ]


@pytest.mark.parametrize("action", ["fail", "cancel"])
def test_a_failed_or_cancelled_payment_credits_nothing(owner_client, agency, action):
    payment = _start(owner_client)
    sandbox_decide(token=payment.token, action=action)
    page = _return(owner_client, payment, "NOK").content.decode()
    assert "پرداخت انجام نشد. چیزی به اعتبار افزوده نشد و پولی برداشته نشد." in page
    payment.refresh_from_db()
    assert payment.state in ("failed", "cancelled")
    assert not SmsCreditEntry.objects.exists()
    assert credit_balance(agency.pk) == 0


def test_a_forged_return_claiming_success_credits_nothing(owner_client, agency):
    payment = _start(owner_client)  # never paid at the bank
    _return(owner_client, payment, "OK")
    payment.refresh_from_db()
    assert payment.state == "failed"
    assert not SmsCreditEntry.objects.exists()


def test_a_payment_whose_owner_never_came_back_is_credited_by_the_sweep_once(owner_client, agency):
    payment = _start(owner_client)
    sandbox_decide(token=payment.token, action="pay")
    SmsTopUpPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert top_ups_reconcile() == 1
    assert top_ups_reconcile() == 0
    _return(owner_client, payment, "OK")
    assert SmsCreditEntry.objects.filter(agency_id=agency.pk).count() == 1
    assert credit_balance(agency.pk) == Decimal(500_000)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("۵۰٬۰۰۰", "مبلغ شارژ باید بین ۱۰۰٬۰۰۰ و ۱٬۰۰۰٬۰۰۰٬۰۰۰ ریال باشد."),
        ("2000000000", "مبلغ شارژ باید بین ۱۰۰٬۰۰۰ و ۱٬۰۰۰٬۰۰۰٬۰۰۰ ریال باشد."),
        ("پانصد", "مبلغ را به ریال وارد کنید؛ مثلاً ۵٬۰۰۰٬۰۰۰."),
    ],
)
def test_an_amount_out_of_bounds_is_refused_in_persian(owner_client, agency, typed, message):
    response = owner_client.post(
        "/sms/credit/top-up/", {"amount": typed}, HTTP_HOST=PANEL, follow=True
    )
    assert message in response.content.decode()
    assert not SmsTopUpPayment.objects.exists()


def test_a_suspended_agency_cannot_pay_but_the_insurer_can_adjust(agency, owner):
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    with pytest.raises(AgencyNotActive):
        top_up_payment_start(
            agency=agency, amount=500_000, actor=owner, callback_url=lambda p: "http://x/"
        )
    assert not SmsTopUpPayment.objects.exists()
    operator = create_user(insurer_role="operator")
    ops_credit_record(agency=agency, amount=250_000, kind="top_up", note="جبران", actor=operator)
    assert credit_balance(agency.pk) == Decimal(250_000)


def test_a_payment_returning_after_the_agency_was_suspended_is_not_verified(owner_client, agency):
    payment = _start(owner_client)
    sandbox_decide(token=payment.token, action="pay")
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    SmsTopUpPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    top_ups_reconcile()
    payment.refresh_from_db()
    assert payment.state == "cancelled"  # not verified: the bank returns the money
    assert not SmsCreditEntry.objects.exists()


def test_an_agency_sees_neither_the_payment_nor_the_ledger_of_another(
    client, agency, other_agency, owner
):
    top_up(other_agency.pk, 777_000)
    other_owner = other_agency.memberships.get(role="owner").user
    client.force_login(other_owner)
    other_payment = _start(client)
    client.force_login(owner)
    html = client.get("/sms/credit/", HTTP_HOST=PANEL).content.decode()
    assert "۷۷۷٬۰۰۰" not in html and 'id="credit-balance">۰ ریال' in html
    response = client.get(
        f"/sms/credit/top-up/{other_payment.public_id}/",
        {"token": other_payment.token, "status": "OK"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 404
    excel = client.get("/sms/credit/ledger.xlsx", HTTP_HOST=PANEL)
    rows = list(openpyxl.load_workbook(io.BytesIO(excel.content)).active.iter_rows())
    assert len(rows) == 1


# ---- settings --------------------------------------------------------------------------------


def test_the_window_is_saved_and_audited(owner_client, agency, owner):
    response = owner_client.post(
        "/sms/credit/settings/",
        {"window_start": "۰۹:۳۰", "window_end": "20:00", "automated_daily_cap": "۲"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    account = SmsAccount.objects.get(agency_id=agency.pk)
    assert (account.window_start, account.window_end, account.automated_daily_cap) == (
        dt.time(9, 30),
        dt.time(20, 0),
        2,
    )
    audit = AuditLog.objects.get(action="sms_settings.updated")
    assert audit.actor_id == owner.pk and audit.changes["window_start"] == ["08:00:00", "09:30:00"]


@pytest.mark.parametrize(
    ("start", "end", "field_error"),
    [
        ("06:30", "20:00", "ساعت شروع ارسال باید از ۰۷:۰۰ تا ۲۲:۰۰ باشد."),
        ("09:00", "22:30", "ساعت پایان ارسال باید از ۰۷:۰۰ تا ۲۲:۰۰ باشد."),
        ("15:00", "10:00", "پایان بازهٔ ارسال باید بعد از شروع آن باشد."),
    ],
)
def test_a_window_outside_seven_to_twenty_two_is_refused_in_persian(
    owner_client, agency, start, end, field_error
):
    response = owner_client.post(
        "/sms/credit/settings/",
        {"window_start": start, "window_end": end, "automated_daily_cap": "1"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 400
    assert field_error in response.content.decode()
    account = sms_account(agency.pk)
    assert (account.window_start, account.window_end) == (dt.time(8), dt.time(21))
    assert not AuditLog.objects.filter(action="sms_settings.updated").exists()


def test_a_stopped_agency_cannot_change_its_settings(agency, owner):
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    with pytest.raises(AgencyNotActive):
        sms_settings_update(
            agency=agency,
            actor=owner,
            window_start=dt.time(9),
            window_end=dt.time(20),
            automated_daily_cap=1,
        )
    assert sms_account(agency.pk).window_start == dt.time(8)


def test_the_settings_page_links_to_credit_and_sms_settings(owner_client):
    html = owner_client.get("/settings/", HTTP_HOST=PANEL).content.decode()
    assert 'id="sms-credit-link"' in html and 'id="sms-settings-link"' in html


# ---- dashboard -------------------------------------------------------------------------------


def test_the_dashboard_cards_match_a_hand_count(owner_client, agency):
    top_up(agency.pk, 200_000)
    charge(agency.pk, messages=4, parts=7)  # 8,400
    charge(agency.pk, messages=2, parts=2)  # 2,400
    refund(agency.pk, messages=1, parts=1)  # 1,200 back
    charge(agency.pk, messages=9, parts=9, when=this_month().start - dt.timedelta(minutes=1))
    cards = {card.key: card for card in credit_cards(agency, period_for("30d"))}
    # 200,000 - 8,400 - 2,400 + 1,200 - 10,800 = 179,600, above 100 parts × 1,200
    assert cards["sms_credit"].value == "۱۷۹٬۶۰۰"
    assert cards["sms_month"].value == "۵"  # 4 + 2 - 1
    assert cards["sms_month"].hint == "۸ بخش، ۹٬۶۰۰ ریال"
    html = owner_client.get("/", HTTP_HOST=PANEL).content.decode()
    assert 'id="card-sms_credit"' in html and 'id="card-sms_month"' in html


def test_the_dashboard_warns_when_the_credit_is_low(agency):
    top_up(agency.pk, 119_000)  # below 100 parts × 1,200
    card = next(c for c in credit_cards(agency, period_for("30d")) if c.key == "sms_credit")
    assert "کم است" in str(card.hint)


def test_the_month_is_the_jalali_month_in_tehran():
    month = this_month(dt.datetime(2026, 11, 21, 21, 0, tzinfo=dt.UTC))  # 00:30 1405/09/01
    assert (month.year, month.month) == (1405, 9)
    assert month.start == dt.datetime(2026, 11, 22, tzinfo=tehran())
    assert at  # imported for other tests


def test_a_bank_that_does_not_answer_leaves_the_payment_open_for_the_sweep(
    owner_client, agency, monkeypatch
):
    from core.payments.base import PaymentGatewayError
    from core.payments.sandbox import SandboxGateway

    payment = _start(owner_client)
    sandbox_decide(token=payment.token, action="pay")
    real_verify = SandboxGateway.verify

    def down(self, *, token, amount):
        raise PaymentGatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "verify", down)
    page = _return(owner_client, payment, "OK").content.decode()
    assert "بانک پاسخ نداد." in page
    payment.refresh_from_db()
    assert payment.state == "started" and not SmsCreditEntry.objects.exists()
    monkeypatch.setattr(SandboxGateway, "verify", real_verify)
    SmsTopUpPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert top_ups_reconcile() == 1
    assert credit_balance(agency.pk) == Decimal(500_000)
