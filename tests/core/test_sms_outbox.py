"""The outbox of batched messages: charged once, drained in provider batches, each message
handed to the provider once even when a worker dies, refused ones refunded once, promotional
ones kept inside the window, reports and replies read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import SmsCreditEntry, SmsInbound, SmsMessage
from core.sms.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingSms,
    SendResult,
    SmsBackend,
    StatusReport,
    TransientSmsError,
)
from core.sms.credit import (
    InsufficientSmsCredit,
    credit_balance,
    credit_charge,
    credit_top_up,
)
from core.sms.outbox import (
    CLAIM_TIMEOUT,
    OutboxItem,
    is_opt_out,
    sms_claim,
    sms_drain_batch,
    sms_inbound_poll,
    sms_outbox_add,
    sms_outbox_cancel,
    sms_release_stale,
    sms_reports_poll,
)
from core.sms.parts import Line, sms_cost
from core.sms.signals import sms_received
from core.sms.windows import window_open_at

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")
AGENCY = 9001


class FakeProvider(SmsBackend):
    """A provider that keeps what it delivered by local id (a local id sent again is
    answered without a second delivery), refuses numbers ending 0000 and blocks
    advertising to numbers ending 1111."""

    name = "fake"
    max_batch = 3

    def __init__(self) -> None:
        self.delivered: dict[str, str] = {}
        self.calls: list[list[str]] = []
        self.transient = 0
        self.reports: dict[str, str] = {}
        self.replies: list[InboundSms] = []

    def send_batch(self, messages):
        assert len(messages) <= self.max_batch
        self.calls.append([message.local_id for message in messages])
        if self.transient:
            self.transient -= 1
            raise TransientSmsError("timeout")
        results = []
        for message in messages:
            if message.to.endswith("0000"):
                results.append(SendResult(message.local_id, DeliveryStatus.FAILED, "", "invalid"))
            elif message.to.endswith("1111") and message.line == Line.PROMOTIONAL:
                results.append(SendResult(message.local_id, DeliveryStatus.BLACKLISTED, "", ""))
            else:
                self.delivered.setdefault(message.local_id, message.body)
                results.append(
                    SendResult(message.local_id, DeliveryStatus.SENT, f"p{message.local_id}")
                )
        return results

    def statuses(self, provider_message_ids):
        return [
            StatusReport(pid, self.reports[pid])
            for pid in provider_message_ids
            if pid in self.reports
        ]

    def inbound(self):
        replies, self.replies = self.replies, []
        return replies


@pytest.fixture
def provider(settings):
    settings.SMS_DRAIN_PARALLEL = 1
    return FakeProvider()


@pytest.fixture
def funded():
    credit_top_up(agency_id=AGENCY, amount=Decimal(1_000_000), note="test")
    return AGENCY


def _add(count: int, *, line=Line.SERVICE, body="یادآوری تمدید بیمه‌نامه", numbers=None, **kwargs):
    numbers = numbers or [f"0912{index:07d}" for index in range(1, count + 1)]
    items = [
        OutboxItem(to=number, body=body, customer_id=index) for index, number in enumerate(numbers)
    ]
    return sms_outbox_add(
        agency_id=AGENCY, items=items, line=line, kind="test", source="bulk:1", **kwargs
    )


def _drain(provider) -> None:
    while sms_drain_batch(backend=provider):
        pass


def test_a_send_is_charged_once_by_parts_and_queued_with_its_cost(
    funded, provider, django_capture_on_commit_callbacks
):
    long_text = "ب" * 71  # two parts in UCS-2
    with django_capture_on_commit_callbacks() as callbacks:
        result = _add(4, body=long_text)
    assert len(callbacks) == 1  # one drain kicked after the commit
    assert (result.messages, result.parts) == (4, 8)
    assert result.cost == sms_cost(8, Line.SERVICE)
    assert credit_balance(AGENCY) == Decimal(1_000_000) - result.cost
    charges = SmsCreditEntry.objects.filter(agency_id=AGENCY, kind=SmsCreditEntry.Kind.CHARGE)
    assert [(entry.amount, entry.messages, entry.parts) for entry in charges] == [
        (-result.cost, 4, 8)
    ]
    rows = SmsMessage.objects.filter(pk__in=result.ids)
    assert {(row.status, row.parts, row.cost, row.batched) for row in rows} == {
        ("queued", 2, sms_cost(2, Line.SERVICE), True)
    }
    assert sorted(row.customer_id for row in rows) == [0, 1, 2, 3]


def test_a_send_the_credit_does_not_cover_queues_nothing(provider):
    credit_top_up(agency_id=AGENCY, amount=sms_cost(2, Line.SERVICE))
    with pytest.raises(InsufficientSmsCredit) as refused:
        _add(3)
    assert "اعتبار" in str(refused.value) or "credit" in str(refused.value)
    assert not SmsMessage.objects.filter(agency_id=AGENCY).exists()
    assert credit_balance(AGENCY) == sms_cost(2, Line.SERVICE)
    _add(2)
    assert credit_balance(AGENCY) == 0
    with pytest.raises(InsufficientSmsCredit):
        credit_charge(agency_id=AGENCY, amount=Decimal(1), messages=1, parts=1, source="x")


def test_bad_input_is_refused_before_anything_is_queued(funded):
    with pytest.raises(ValidationError):
        _add(1, numbers=["12345"])
    with pytest.raises(ValidationError):
        _add(1, body="")
    assert not SmsMessage.objects.exists()
    assert credit_balance(AGENCY) == Decimal(1_000_000)


def test_the_drain_sends_provider_sized_batches_and_refunds_the_refused_once(funded, provider):
    numbers = ["09120000001", "09120000000", "09121111111", "09120000002", "09120000003"]
    result = _add(5, numbers=numbers, line=Line.PROMOTIONAL, not_before=None)
    SmsMessage.objects.update(not_before=timezone.now())  # whatever the hour of the test run
    _drain_in_window(provider)
    assert [len(call) for call in provider.calls] == [3, 2]
    statuses = dict(SmsMessage.objects.filter(pk__in=result.ids).values_list("to", "status"))
    assert statuses == {
        "09120000001": "sent",
        "09120000000": "failed",
        "09121111111": "blacklisted",
        "09120000002": "sent",
        "09120000003": "sent",
    }
    per_message = sms_cost(1, Line.PROMOTIONAL)
    refunds = SmsCreditEntry.objects.filter(agency_id=AGENCY, kind=SmsCreditEntry.Kind.REFUND)
    assert [(entry.amount, entry.messages) for entry in refunds] == [(2 * per_message, 2)]
    assert credit_balance(AGENCY) == Decimal(1_000_000) - 3 * per_message
    # Draining again sends and refunds nothing more.
    _drain_in_window(provider)
    assert len(provider.calls) == 2
    assert refunds.count() == 1


def _drain_in_window(provider) -> None:
    """Drain as if it were 10:00 tomorrow in Tehran, inside any promotional window."""
    from unittest import mock

    with mock.patch("core.sms.outbox.timezone.now", return_value=_ten_o_clock()):
        _drain(provider)


def _ten_o_clock() -> dt.datetime:
    today = timezone.now().astimezone(TEHRAN).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10), tzinfo=TEHRAN)


def test_a_dead_worker_s_batch_is_sent_again_with_the_same_local_ids_and_delivered_once(
    funded, provider
):
    result = _add(3)
    claimed = sms_claim(limit=3)
    provider.send_batch(
        [OutgoingSms(str(row.id), row.to, row.body, row.line) for row in claimed]
    )  # handed to the provider, then the worker is killed before recording
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sending"}
    assert sms_release_stale() == 0  # not stale yet
    assert sms_release_stale(now=timezone.now() + CLAIM_TIMEOUT + dt.timedelta(seconds=1)) == 3
    _drain(provider)
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(provider.delivered) == sorted(str(pk) for pk in result.ids)
    assert len(provider.calls) == 2  # the lost call and its repeat, same local ids
    assert provider.calls[0] == provider.calls[1]


def test_the_claim_timeout_is_a_setting(funded, settings):
    settings.SMS_CLAIM_TIMEOUT_SECONDS = 5
    _add(2)
    sms_claim(limit=2)  # then the worker dies
    soon = timezone.now() + dt.timedelta(seconds=4)
    assert sms_release_stale(now=soon) == 0
    assert sms_release_stale(now=soon + dt.timedelta(seconds=2)) == 2
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"queued"}


def test_a_transient_error_queues_the_batch_again_later(funded, provider):
    _add(2)
    provider.transient = 1
    _drain(provider)
    rows = list(SmsMessage.objects.all())
    assert {row.status for row in rows} == {"queued"}
    assert all(row.not_before > timezone.now() for row in rows)
    assert {row.attempts for row in rows} == {1}
    SmsMessage.objects.update(not_before=timezone.now())
    _drain(provider)
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_promotional_messages_wait_for_the_agency_s_window(funded):
    night = dt.datetime(2026, 12, 6, 23, 30, tzinfo=TEHRAN)
    assert window_open_at(night, line=Line.PROMOTIONAL) == dt.datetime(
        2026, 12, 7, 8, 0, tzinfo=TEHRAN
    )
    assert window_open_at(night, line=Line.SERVICE) == night
    early = dt.datetime(2026, 12, 6, 6, 0, tzinfo=TEHRAN)
    assert window_open_at(
        early, line=Line.PROMOTIONAL, start=dt.time(5), end=dt.time(23)
    ) == dt.datetime(
        2026, 12, 6, 7, 0, tzinfo=TEHRAN
    )  # never before 07:00, whatever the agency chose
    noon = dt.datetime(2026, 12, 6, 12, 0, tzinfo=TEHRAN)
    assert window_open_at(noon, line=Line.PROMOTIONAL) == noon
    from unittest import mock

    with mock.patch("core.sms.outbox.timezone.now", return_value=night):
        result = _add(1, line=Line.PROMOTIONAL)
        assert result.not_before == dt.datetime(2026, 12, 7, 8, 0, tzinfo=TEHRAN)
        provider = FakeProvider()
        assert sms_drain_batch(backend=provider) == 0  # not due
        # Due by its time but the window closed again (a late drain): it waits once more.
        SmsMessage.objects.update(not_before=night)
        assert sms_drain_batch(backend=provider) == 1
    assert provider.calls == []
    message = SmsMessage.objects.get()
    assert (message.status, message.not_before) == (
        "queued",
        dt.datetime(2026, 12, 7, 8, 0, tzinfo=TEHRAN),
    )


def test_cancelling_a_waiting_send_refunds_it(funded):
    result = _add(3, not_before=timezone.now() + dt.timedelta(days=1))
    assert sms_outbox_cancel(agency_id=AGENCY, source="bulk:1") == 3
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"cancelled"}
    assert credit_balance(AGENCY) == Decimal(1_000_000)
    assert sms_outbox_cancel(agency_id=AGENCY, source="bulk:1") == 0
    assert result.messages == 3


def test_delivery_reports_map_and_a_late_block_is_refunded_once(funded, provider):
    result = _add(3)
    _drain(provider)
    first, second, third = (f"p{pk}" for pk in result.ids)
    provider.reports = {
        first: DeliveryStatus.DELIVERED,
        second: DeliveryStatus.BLACKLISTED,
        third: DeliveryStatus.SENT,
    }
    SmsMessage.objects.update(status_checked_at=timezone.now() - dt.timedelta(minutes=5))
    assert sms_reports_poll(backend=provider) == 2
    statuses = list(SmsMessage.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["delivered", "blacklisted", "sent"]
    assert SmsMessage.objects.get(pk=result.ids[0]).reported_at is not None
    SmsMessage.objects.update(status_checked_at=timezone.now() - dt.timedelta(minutes=5))
    assert sms_reports_poll(backend=provider) == 0
    refunds = SmsCreditEntry.objects.filter(kind=SmsCreditEntry.Kind.REFUND)
    assert [(entry.amount, entry.messages) for entry in refunds] == [(sms_cost(1, Line.SERVICE), 1)]


def test_inbound_messages_are_stored_once_for_the_agency_that_texted_and_announced(
    funded, provider, django_capture_on_commit_callbacks
):
    _add(1, numbers=["09121234567"])
    heard = []

    def listener(sender, inbound, **kwargs):
        heard.append((inbound.sender, inbound.agency_id, inbound.opt_out))

    sms_received.connect(listener)
    try:
        reply = InboundSms("in-1", "989121234567", "3000", "لغو ۱۱", timezone.now())
        provider.replies = [
            reply,
            InboundSms("in-2", "+989350000001", "3000", "سلام", timezone.now()),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            created = sms_inbound_poll(backend=provider)
        provider.replies = [reply]
        with django_capture_on_commit_callbacks(execute=True):
            again = sms_inbound_poll(backend=provider)
    finally:
        sms_received.disconnect(listener)
    assert len(created) == 2 and again == []
    assert heard == [("09121234567", AGENCY, True), ("09350000001", None, False)]
    assert SmsInbound.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("لغو", True),
        ("لغو11", True),
        ("  لغو ۱۱ ", True),
        ("STOP", True),
        ("ممنون، لغو نکنید", False),
        ("سلام", False),
    ],
)
def test_opt_out_replies(body, expected):
    assert is_opt_out(body) is expected


def test_a_top_up_with_a_reference_is_recorded_once():
    first = credit_top_up(
        agency_id=AGENCY, amount=50_000, kind=SmsCreditEntry.Kind.PAYMENT, reference="pay-1"
    )
    second = credit_top_up(
        agency_id=AGENCY, amount=50_000, kind=SmsCreditEntry.Kind.PAYMENT, reference="pay-1"
    )
    assert first.pk == second.pk
    assert credit_balance(AGENCY) == Decimal(50_000)
