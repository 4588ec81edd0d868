"""Contact patterns: who is due on a day for each event, each (pattern, subject, occurrence)
decided once ever — repeated runs, racing runs, a run killed mid-way — consent, the daily
cap, the credit, and tomorrow's preview."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from core.models import SmsAccount, SmsCreditEntry, SmsMessage
from core.sms.credit import credit_balance, credit_top_up
from core.sms.parts import Line, sms_cost, sms_parts
from crm.models import Activity, BookPolicy, Case, ClaimRecord, Customer, Instrument
from messaging.models import SmsTemplate
from messaging.patterns import run as run_module
from messaging.patterns.models import Event, PatternOccurrence, SmsPattern
from messaging.patterns.run import pattern_preview, patterns_run
from tenants.services import AgencyNotActive
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 6)
NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)  # 06:30 in Tehran, before send time


@pytest.fixture
def funded(agency):
    credit_top_up(agency_id=agency.pk, amount=Decimal(10_000_000))
    return agency


def _customer(name="مریم", mobile="09121112233", consent=True, **extra) -> Customer:
    return Customer.objects.create(
        first_name=name,
        last_name="کاظمی",
        source="panel",
        mobile=mobile,
        sms_consent=consent,
        **extra,
    )


def _policy(customer, *, end: dt.date, line="crm_motor", number="IR-1", **extra) -> BookPolicy:
    return BookPolicy.objects.create(
        customer=customer,
        origin="other",
        insurer_code="iran",
        line_code=line,
        number=number,
        start_date=end - dt.timedelta(days=365),
        end_date=end,
        premium=Decimal("12345000"),
        **extra,
    )


def _pattern(
    event=Event.EXPIRY_BEFORE,
    days=30,
    body="{customer_name} عزیز، بیمه‌نامه {policy_number} در {expiry_date} تمام می‌شود.",
    **extra,
) -> SmsPattern:
    template = SmsTemplate.objects.create(name=f"t-{event}-{days}", body=body, line=Line.SERVICE)
    return SmsPattern.objects.create(
        name=f"p-{event}-{days}",
        event=event,
        offset_days=days,
        template=template,
        send_time=dt.time(10, 0),
        is_active=True,
        **extra,
    )


def _run(agency, day=DAY, now=NOW):
    with inside(agency):
        return patterns_run(agency=agency, run_date=day, now=now)


def test_the_30_day_invitation_goes_once_with_the_policy_s_values(funded, sale_line):
    agency = funded
    with inside(agency):
        customer = _customer()
        policy = _policy(customer, end=DAY + dt.timedelta(days=30), number="IR-778899")
        pattern = _pattern()
    summary = _run(agency)
    assert (summary.sent, summary.skipped) == (1, 0)
    message = SmsMessage.objects.get(agency_id=agency.pk)
    assert message.to == "09121112233" and message.customer_id == customer.pk
    assert message.body.startswith("مریم کاظمی عزیز")
    assert "IR-778899" in message.body and "۱۴۰۵" in message.body  # the Jalali expiry date
    assert message.source == f"pattern:{pattern.pk}" and message.line == Line.SERVICE
    # Queued for the pattern's time of day in Tehran (10:00 = 06:30 UTC).
    assert message.not_before == dt.datetime(2026, 12, 6, 6, 30, tzinfo=dt.UTC)
    assert credit_balance(agency.pk) == Decimal(10_000_000) - sms_cost(
        sms_parts(message.body), Line.SERVICE
    )
    with inside(agency):
        occurrence = PatternOccurrence.objects.get()
    assert (occurrence.subject_id, occurrence.sms_message_id) == (policy.pk, message.pk)
    # The run repeated (beat twice, the hourly repeat) and the next day's: nothing more.
    assert _run(agency).sent == 0
    assert _run(agency, day=DAY + dt.timedelta(days=1)).sent == 0
    assert SmsMessage.objects.filter(agency_id=agency.pk).count() == 1
    assert SmsCreditEntry.objects.filter(agency_id=agency.pk, kind="charge").count() == 1


def test_a_customer_who_renewed_gets_no_invitation(funded, sale_line):
    agency = funded
    with inside(agency):
        renewed_here = _customer(mobile="09121110001")
        old = _policy(renewed_here, end=DAY + dt.timedelta(days=30), number="A")
        new = _policy(renewed_here, end=DAY + dt.timedelta(days=395), number="B")
        BookPolicy.objects.filter(pk=old.pk).update(renewed_by=new)
        renewed_elsewhere = _customer(mobile="09121110002")
        _policy(renewed_elsewhere, end=DAY + dt.timedelta(days=30), number="C")
        _policy(renewed_elsewhere, end=DAY + dt.timedelta(days=300), number="D")
        waiting = _customer(mobile="09121110003")
        _policy(waiting, end=DAY + dt.timedelta(days=30), number="E")
        _pattern()
    assert _run(agency).sent == 1
    assert list(SmsMessage.objects.values_list("to", flat=True)) == ["09121110003"]


def test_no_consent_opted_out_and_missing_values_are_skipped_with_their_reason(funded, sale_line):
    agency = funded
    end = DAY + dt.timedelta(days=30)
    with inside(agency):
        _policy(_customer(mobile="09121110001", consent=False), end=end, number="A")
        opted = _customer(mobile="09121110002")
        Customer.objects.filter(pk=opted.pk).update(sms_opted_out_at=NOW)
        _policy(opted, end=end, number="B")
        _policy(_customer(mobile="09121110003"), end=end, number="")  # no policy number
        _policy(_customer(mobile=""), end=end, number="D")
        _pattern()
    summary = _run(agency)
    assert (summary.sent, summary.skipped) == (0, 4)
    with inside(agency):
        reasons = dict(PatternOccurrence.objects.values_list("customer_id", "reason"))
        decided = sorted(PatternOccurrence.objects.values_list("reason", flat=True))
        missing = PatternOccurrence.objects.get(reason="missing")
    assert decided == ["missing", "no_consent", "no_mobile", "opted_out"]
    assert missing.detail  # names the empty placeholder, in Persian
    assert len(reasons) == 4
    assert not SmsMessage.objects.exists()
    assert credit_balance(agency.pk) == Decimal(10_000_000)


def test_one_automated_message_a_day_unless_the_agency_allows_more(funded, sale_line):
    agency = funded
    with inside(agency):
        customer = _customer()
        _policy(customer, end=DAY + dt.timedelta(days=30))
        Instrument.objects.create(
            customer=customer,
            kind="cheque",
            amount=Decimal(5_000_000),
            due_date=DAY + dt.timedelta(days=3),
        )
        _pattern()
        _pattern(
            Event.CHEQUE_DUE,
            days=3,
            body="{customer_name}، چک {cheque_amount} ریالی شما {cheque_due_date} سررسید می‌شود.",
        )
    first = _run(agency)
    assert (first.sent, first.deferred) == (1, 1)
    # The held-back one goes on the next day (within the catch-up days), once.
    second = _run(agency, day=DAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    assert second.sent == 1
    assert SmsMessage.objects.count() == 2
    # An agency that allows two a day sends both at once.
    SmsMessage.objects.all().delete()
    with inside(agency):
        PatternOccurrence.objects.all().delete()
    SmsAccount.objects.filter(agency_id=agency.pk).update(automated_daily_cap=2)
    assert _run(agency).sent == 2


def test_a_run_the_credit_does_not_cover_queues_and_records_nothing(agency, sale_line):
    credit_top_up(agency_id=agency.pk, amount=sms_cost(1, Line.SERVICE))
    with inside(agency):
        for index in range(3):
            _policy(
                _customer(mobile=f"0912111000{index}"),
                end=DAY + dt.timedelta(days=30),
                number=f"N{index}",
            )
        _pattern(body="یادآوری تمدید {policy_number}")
    summary = _run(agency)
    assert summary.credit_short and summary.sent == 0
    assert not SmsMessage.objects.exists()
    with inside(agency):
        assert not PatternOccurrence.objects.exists()
    credit_top_up(agency_id=agency.pk, amount=Decimal(1_000_000))
    assert _run(agency).sent == 3


def test_a_run_killed_mid_way_loses_nothing_and_sends_nothing_twice(funded, sale_line, monkeypatch):
    agency = funded
    with inside(agency):
        for index in range(5):
            _policy(
                _customer(mobile=f"0912111000{index}"),
                end=DAY + dt.timedelta(days=30),
                number=f"N{index}",
            )
        _pattern(body="یادآوری تمدید {policy_number}")
    monkeypatch.setattr(run_module, "CHUNK", 2)
    real_add = run_module.sms_outbox_add
    calls = {"n": 0}

    def dies_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real_add(**kwargs)

    monkeypatch.setattr(run_module, "sms_outbox_add", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        _run(agency)
    assert SmsMessage.objects.count() == 2  # the first chunk committed whole
    with inside(agency):
        assert PatternOccurrence.objects.count() == 2
    monkeypatch.setattr(run_module, "sms_outbox_add", real_add)
    assert _run(agency).sent == 3
    numbers = list(SmsMessage.objects.values_list("to", flat=True))
    assert sorted(numbers) == [f"0912111000{index}" for index in range(5)]
    charged = sum(entry.amount for entry in SmsCreditEntry.objects.filter(kind="charge"))
    assert -charged == sum(message.cost for message in SmsMessage.objects.all())  # each once


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_send_each_message_once(drop_schemas_after, agency_factory, sale_line):
    agency = agency_factory(code=685, name="نمایندگی خلیلی", city="تهران")
    credit_top_up(agency_id=agency.pk, amount=Decimal(10_000_000))
    with inside(agency):
        for index in range(40):
            _policy(
                _customer(mobile=f"091211{index:05d}"),
                end=DAY + dt.timedelta(days=30),
                number=f"N{index}",
            )
        _pattern(body="یادآوری تمدید {policy_number}")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            _run(agency)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = list(SmsMessage.objects.filter(agency_id=agency.pk).values_list("to", flat=True))
    assert len(numbers) == 40 and len(set(numbers)) == 40
    with inside(agency):
        assert PatternOccurrence.objects.count() == 40
    connection.set_schema_to_public()


def test_a_suspended_agency_sends_nothing(funded, sale_line):
    agency = funded
    with inside(agency):
        _policy(_customer(), end=DAY + dt.timedelta(days=30))
        _pattern()
    type(agency).objects.filter(pk=agency.pk).update(status="suspended")
    agency.refresh_from_db()
    with pytest.raises(AgencyNotActive):
        _run(agency)
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    ("event", "days", "body", "make"),
    [
        (Event.EXPIRY_AFTER, 2, "بیمه‌نامه {policy_number} تمدید نشده است.", "lapsed"),
        (Event.PURCHASED, 1, "از خرید {line_name} سپاسگزاریم.", "purchased"),
        (Event.RENEWED, 0, "تمدید {policy_number} انجام شد؛ سپاس.", "renewed"),
        (Event.CHEQUE_DUE, 3, "چک {cheque_amount} ریالی {cheque_due_date}", "cheque"),
        (Event.ACTIVITY, 1, "قرار {activity_title} در {activity_date}", "activity"),
        (Event.CLAIM_FILED, 0, "پرونده خسارت {claim_number} تشکیل شد.", "claim_filed"),
        (Event.CLAIM_PAID, 0, "خسارت {claim_amount} ریال پرداخت شد.", "claim_paid"),
        (Event.BIRTHDAY, 0, "{first_name} عزیز، تولدت مبارک!", "birthday"),
    ],
)
def test_each_event_finds_its_subject_on_its_day_only(funded, sale_line, event, days, body, make):
    agency = funded
    line, _tariff = sale_line
    with inside(agency):
        customer = _customer(birth_date=dt.date(1990, 12, 6) if make == "birthday" else None)
        if make == "lapsed":
            _policy(customer, end=DAY - dt.timedelta(days=2), number="L1", line=line.code)
        elif make in ("purchased", "renewed"):
            old = _policy(customer, end=DAY, number="OLD", line=line.code)
            new = BookPolicy.objects.create(
                customer=customer,
                origin="other",
                insurer_code="iran",
                line_code=line.code,
                number="NEW",
                issued_on=DAY - dt.timedelta(days=days),
                start_date=DAY,
                end_date=DAY + dt.timedelta(days=365),
                premium=Decimal(1),
            )
            if make == "renewed":
                BookPolicy.objects.filter(pk=old.pk).update(renewed_by=new, state="renewed")
            else:
                BookPolicy.objects.filter(pk=new.pk).update(origin="ledger", policy_id=987654)
        elif make == "cheque":
            Instrument.objects.create(
                customer=customer,
                kind="cheque",
                amount=Decimal(5_000_000),
                due_date=DAY + dt.timedelta(days=3),
            )
        elif make == "activity":
            case = Case.objects.create(customer=customer, kind="meeting", title="بازدید")
            Activity.objects.create(
                case=case,
                kind="meeting",
                subject="بازدید",
                due_at=dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC),
            )
        elif make in ("claim_filed", "claim_paid"):
            ClaimRecord.objects.create(
                customer=customer,
                number="K-1",
                filed_at=DAY,
                claimed_amount=Decimal(10),
                paid_amount=Decimal(80_000_000) if make == "claim_paid" else None,
                paid_at=DAY if make == "claim_paid" else None,
                state="paid" if make == "claim_paid" else "filed",
            )
        pattern = _pattern(event, days=days, body=body)
        preview_before = pattern_preview(
            agency=agency, pattern=pattern, run_date=DAY - dt.timedelta(days=1)
        )
        preview = pattern_preview(agency=agency, pattern=pattern, run_date=DAY)
    assert preview_before.sending == 0  # not due the day before
    assert preview.sending == 1, preview.skipped
    assert _run(agency).sent == 1
    message = SmsMessage.objects.get()
    assert "{" not in message.body
    expected_line = Line.PROMOTIONAL if event == Event.BIRTHDAY else Line.SERVICE
    assert message.line == expected_line


def test_tomorrow_s_preview_lists_who_and_what_and_records_nothing(funded, sale_line):
    agency = funded
    with inside(agency):
        _policy(_customer(), end=DAY + dt.timedelta(days=31), number="IR-5")
        _policy(
            _customer(mobile="09121110009", consent=False),
            end=DAY + dt.timedelta(days=31),
            number="IR-6",
        )
        pattern = _pattern()
        preview = pattern_preview(
            agency=agency, pattern=pattern, run_date=DAY + dt.timedelta(days=1)
        )
        assert not PatternOccurrence.objects.exists()
    assert preview.sending == 1
    assert dict(preview.skipped) == {"no_consent": 1}
    sent = [row for row in preview.rows if not row.reason]
    assert "IR-5" in sent[0].text
    assert preview.cost == sms_cost(preview.parts, Line.SERVICE)
    assert not SmsMessage.objects.exists()
