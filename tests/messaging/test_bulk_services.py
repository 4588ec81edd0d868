"""Bulk sends (issue 13 item 3, decision 038): lists read and de-duplicated, consent kept,
the preview's cost what is charged, a short credit refused with nothing queued, scheduled
sends cancelled and refunded, each number queued once however often the work runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditLog, SmsCreditEntry, SmsMessage
from core.sms.credit import InsufficientSmsCredit, credit_balance, credit_top_up
from core.sms.parts import Line, sms_parts
from crm.models import CustomerGroup, CustomerPhone
from messaging.bulk import services
from messaging.bulk.models import BulkListNumber, BulkSend, BulkSkip
from messaging.bulk.selectors import bulk_progress
from messaging.bulk.services import (
    bulk_cancel,
    bulk_create,
    bulk_preview,
    bulk_schedule,
    bulk_send_run,
)
from messaging.bulk.tasks import bulk_send_run as bulk_send_task
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.crm.conftest import inside
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db

# Persian: one part up to 70 characters, 67 per part beyond.
ONE_PART = "جشنواره تخفیف بیمه بدنه تا آخر ماه"
TWO_PARTS = "سلام، " + "ب" * 100
PRICE = Decimal(900)  # a promotional part (settings.SMS_PART_PRICE_RIALS)


def _pasted(owner_membership, text: str, body: str = ONE_PART, **kwargs) -> BulkSend:
    return bulk_create(
        agency=owner_membership.agency,
        membership=owner_membership,
        name="جشنواره",
        body=body,
        audience=BulkSend.Audience.UPLOAD,
        pasted=text,
        **kwargs,
    )


def _numbers(count: int, start: int = 0) -> list[str]:
    return [f"0912{n:07d}" for n in range(start, start + count)]


def test_a_pasted_list_is_normalised_deduplicated_and_its_invalid_rows_kept(
    agency, owner_membership
):
    text = "\n".join(
        [
            "شماره",  # the header
            "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "+98 912 123 4567",  # the same number again
            "00989121234568",
            "۰۲۱۸۸۷۷۶۶۵۵",  # a landline
            "بدون شماره",
            "9121234569",
        ]
    )
    with inside(agency):
        bulk = _pasted(owner_membership, text)
        kept = list(BulkListNumber.objects.filter(bulk=bulk).values_list("number", "row"))
        skips = list(BulkSkip.objects.filter(bulk=bulk).values_list("reason", "row", "value"))
    assert sorted(kept) == [("09121234567", 2), ("09121234568", 4), ("09121234569", 7)]
    assert skips == [
        ("duplicate", 3, "09121234567"),
        ("invalid", 5, "02188776655"),
        ("invalid", 6, "بدون شماره"),
    ]
    assert (bulk.uploaded_rows, bulk.recipients) == (6, 3)
    assert (bulk.skipped_duplicate, bulk.skipped_invalid) == (1, 2)


def test_an_uploaded_csv_and_workbook_are_read(agency, owner_membership, tmp_path):
    import io

    from core.xlsx import Column, XlsxWriter

    csv_file = io.BytesIO("mobile,name\n09121234567,علی\n۰۹۱۲۱۲۳۴۵۶۸,رضا\n".encode())
    path = tmp_path / "list.xlsx"
    with XlsxWriter(path) as book:
        sheet = book.sheet("Numbers", [Column("موبایل")])
        sheet.row(["09121230001"])
        sheet.row(["+989121230002"])
    with inside(agency):
        from_csv = bulk_create(
            agency=agency,
            membership=owner_membership,
            name="csv",
            body=ONE_PART,
            audience=BulkSend.Audience.UPLOAD,
            upload=csv_file,
            upload_name="list.csv",
        )
        with open(path, "rb") as stream:
            from_xlsx = bulk_create(
                agency=agency,
                membership=owner_membership,
                name="xlsx",
                body=ONE_PART,
                audience=BulkSend.Audience.UPLOAD,
                upload=stream,
                upload_name="list.xlsx",
            )
        assert sorted(from_csv.numbers.values_list("number", flat=True)) == [
            "09121234567",
            "09121234568",
        ]
        assert sorted(from_xlsx.numbers.values_list("number", flat=True)) == [
            "09121230001",
            "09121230002",
        ]


def test_numbers_of_customers_without_consent_are_skipped_on_the_promotional_line(
    agency, owner_membership
):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        opted_out = person(mobile="09121110001", sms_opted_out_at=timezone.now())
        never_agreed = person(mobile="09121110002", sms_consent=False)
        agreed = person(mobile="09121110003")
        # A number held as another phone of a customer who never agreed.
        held = person(mobile="09121110009", sms_consent=False)
        CustomerPhone.objects.create(customer=held, kind="mobile", number="09121110004")
        bulk = _pasted(
            owner_membership, "09121110001\n09121110002\n09121110003\n09121110004\n09121110005"
        )
        assert (bulk.recipients, bulk.skipped_consent) == (2, 3)
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
        skipped = dict(
            BulkSkip.objects.filter(bulk=bulk, reason="consent").values_list("value", "customer_id")
        )
    assert skipped == {
        "09121110001": opted_out.pk,
        "09121110002": never_agreed.pk,
        "09121110004": held.pk,
    }
    sent = dict(
        SmsMessage.objects.filter(source=f"bulk:{bulk.pk}").values_list("to", "customer_id")
    )
    assert sent == {"09121110003": agreed.pk, "09121110005": None}


def test_a_group_reaches_only_customers_who_agreed_once_per_number(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        group = CustomerGroup.objects.create(name="وفادار")
        first = person(group=group, mobile="09121112222")
        person(group=group, mobile="09121112222")  # the same number: one message
        person(group=group, sms_opted_out_at=timezone.now())
        person(group=group, sms_consent=False)
        person(group=group, mobile="")
        other = person(group=group)
        person()  # not in the group
        bulk = bulk_create(
            agency=agency,
            membership=owner_membership,
            name="گروه",
            body=ONE_PART,
            audience=BulkSend.Audience.GROUP,
            group=group,
        )
        preview = bulk_preview(agency=agency, bulk=bulk)
        assert preview.recipients == 2
        assert preview.skipped == {"consent": 2, "invalid": 1, "duplicate": 1, "missing": 0}
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
        bulk.refresh_from_db()
    sent = sorted(SmsMessage.objects.filter(source=bulk.source).values_list("to", "customer_id"))
    assert sent == sorted([("09121112222", first.pk), (other.mobile, other.pk)])
    assert (bulk.recipients, bulk.skipped_consent, bulk.skipped_duplicate) == (2, 2, 1)


def test_the_preview_cost_is_the_sum_of_parts_times_the_price_and_is_what_is_charged(
    agency, owner_membership
):
    credit_top_up(agency_id=agency.pk, amount=1_000_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(3)), body=TWO_PARTS)
        preview = bulk_preview(agency=agency, bulk=bulk)
        assert sms_parts(TWO_PARTS) == 2
        assert (preview.recipients, preview.parts, preview.max_parts) == (3, 6, 2)
        assert preview.cost == 6 * PRICE == bulk.cost
        assert preview.balance == Decimal(1_000_000) and preview.covered
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
    charges = list(SmsCreditEntry.objects.filter(agency_id=agency.pk, kind="charge"))
    assert [entry.amount for entry in charges] == [-6 * PRICE]
    assert credit_balance(agency.pk) == Decimal(1_000_000) - 6 * PRICE


def test_a_send_the_credit_does_not_cover_is_refused_with_nothing_queued(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=2 * PRICE)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(3)))
        assert not bulk_preview(agency=agency, bulk=bulk).covered
        with pytest.raises(InsufficientSmsCredit) as refused:
            bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk.refresh_from_db()
        assert bulk.state == BulkSend.State.DRAFT
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 0
    assert "اعتبار پیامک کافی نیست" in str(refused.value)
    assert not SmsMessage.objects.exists()
    assert SmsCreditEntry.objects.filter(agency_id=agency.pk).count() == 1  # the top-up only
    assert credit_balance(agency.pk) == 2 * PRICE


def test_the_credit_spent_meanwhile_fails_the_send_and_refunds_what_waits(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=10 * PRICE)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(6)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        from core.sms.credit import credit_charge

        credit_charge(agency_id=agency.pk, amount=6 * PRICE, messages=6, parts=6, source="x")
        queued = bulk_send_run(agency=agency, bulk_id=bulk.pk, chunk_size=3)
        bulk.refresh_from_db()
    assert queued == 3
    assert bulk.state == BulkSend.State.FAILED and "اعتبار" in bulk.error
    assert SmsMessage.objects.filter(source=bulk.source, status="cancelled").count() == 3
    assert credit_balance(agency.pk) == 4 * PRICE


def test_a_scheduled_send_cancelled_before_it_starts_sends_nothing(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(3)))
        later = timezone.now() + dt.timedelta(days=1)
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk, scheduled_at=later)
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 0  # not due yet
        assert bulk_cancel(agency=agency, membership=owner_membership, bulk=bulk) == 0
        bulk.refresh_from_db()
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 0
    assert bulk.state == BulkSend.State.CANCELLED
    assert not SmsMessage.objects.exists()
    assert credit_balance(agency.pk) == Decimal(100_000)
    actions = list(
        AuditLog.objects.filter(target_id=str(bulk.pk), action__startswith="bulk_send.")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    user = owner_membership.user_id
    assert actions == [
        ("bulk_send.create", user),
        ("bulk_send.schedule", user),
        ("bulk_send.cancel", user),
    ]


def test_a_queued_send_cancelled_before_its_time_is_refunded(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(3)))
        soon = timezone.now() + dt.timedelta(minutes=5)  # inside the lead: expanded now
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk, scheduled_at=soon)
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 3
        assert credit_balance(agency.pk) == Decimal(100_000) - 3 * PRICE
        waiting = SmsMessage.objects.filter(source=bulk.source)
        assert all(message.not_before >= soon for message in waiting)
        assert bulk_cancel(agency=agency, membership=owner_membership, bulk=bulk) == 3
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"cancelled"}
    assert credit_balance(agency.pk) == Decimal(100_000)


def test_running_the_task_twice_queues_each_number_once(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(5)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
    assert bulk_send_task.delay(agency.schema_name, bulk.pk).get() == 5
    assert bulk_send_task.delay(agency.schema_name, bulk.pk).get() == 0
    numbers = list(SmsMessage.objects.filter(source=bulk.source).values_list("to", flat=True))
    assert sorted(numbers) == _numbers(5)
    assert SmsCreditEntry.objects.filter(kind="charge").count() == 1


def test_a_worker_killed_mid_send_is_taken_over_without_queueing_twice(
    agency, owner_membership, monkeypatch
):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    real_add = services.sms_outbox_add
    calls = []

    def dies_on_the_second_chunk(**kwargs):
        calls.append(len(kwargs["items"]))
        if len(calls) == 2:
            raise SystemExit("killed")
        return real_add(**kwargs)

    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(7)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        monkeypatch.setattr(services, "sms_outbox_add", dies_on_the_second_chunk)
        with pytest.raises(SystemExit):
            bulk_send_run(agency=agency, bulk_id=bulk.pk, chunk_size=3)
        monkeypatch.setattr(services, "sms_outbox_add", real_add)
        # The claim is alive: a second run leaves it alone.
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk, chunk_size=3) == 0
        BulkSend.objects.filter(pk=bulk.pk).update(
            claimed_at=timezone.now() - services.STALE_CLAIM - dt.timedelta(seconds=1)
        )
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk, chunk_size=3) == 4
        bulk.refresh_from_db()
    numbers = sorted(SmsMessage.objects.filter(source=bulk.source).values_list("to", flat=True))
    assert numbers == _numbers(7)
    assert (bulk.recipients, bulk.expanded) == (7, True)
    assert credit_balance(agency.pk) == Decimal(100_000) - 7 * PRICE


def test_ten_thousand_recipients_are_charged_once_and_each_number_queued_once(
    agency, owner_membership
):
    credit_top_up(agency_id=agency.pk, amount=100_000_000)
    numbers = _numbers(10_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(numbers))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 10_000
        bulk.refresh_from_db()
    charges = SmsCreditEntry.objects.filter(agency_id=agency.pk, kind="charge")
    assert [(entry.amount, entry.messages) for entry in charges] == [(-10_000 * PRICE, 10_000)]
    queued = SmsMessage.objects.filter(source=bulk.source)
    assert queued.count() == 10_000
    assert queued.values("to").distinct().count() == 10_000
    assert (bulk.recipients, bulk.cost) == (10_000, 10_000 * PRICE)


def test_progress_counts_the_outbox_by_status(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(6)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
    ids = list(
        SmsMessage.objects.filter(source=bulk.source).order_by("id").values_list("id", flat=True)
    )
    for message_id, status in zip(
        ids, ["sent", "delivered", "delivered", "failed", "blacklisted"], strict=False
    ):
        SmsMessage.objects.filter(pk=message_id).update(status=status)
    progress = bulk_progress(agency_id=agency.pk, bulk=bulk)
    assert (progress.total, progress.queued, progress.sent, progress.delivered) == (6, 1, 1, 2)
    assert (progress.failed, progress.blocked, progress.handed) == (1, 1, 5)


def test_the_send_is_done_once_nothing_waits(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(2)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
        bulk.refresh_from_db()
        assert bulk.state == BulkSend.State.SENDING
        SmsMessage.objects.filter(source=bulk.source).update(status="delivered")
        assert services.bulk_finish_if_sent(agency=agency, bulk_id=bulk.pk)
        bulk.refresh_from_db()
    assert bulk.state == BulkSend.State.DONE


def test_staff_may_not_create_and_only_the_owner_sends_on_the_service_line(
    agency, owner_membership, manager_membership, staff_membership
):
    with inside(agency):
        with pytest.raises(PermissionDenied):
            _pasted(staff_membership, "09121234567")
        with pytest.raises(PermissionDenied):
            _pasted(manager_membership, "09121234567", line=Line.SERVICE)
        bulk = _pasted(owner_membership, "09121234567", line=Line.SERVICE)
        assert _pasted(manager_membership, "09121234567").line == Line.PROMOTIONAL
    assert bulk.line == Line.SERVICE
    entry = AuditLog.objects.get(action="bulk_send.create", target_id=str(bulk.pk))
    assert entry.changes["line"] == [None, "service"]


def test_a_suspended_agency_is_refused_inside_the_services(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "09121234567")
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    agency.refresh_from_db()
    with inside(agency):
        with pytest.raises(AgencyNotActive):
            _pasted(owner_membership, "09121234568")
        with pytest.raises(AgencyNotActive):
            bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
    with inside(agency):
        assert BulkSend.objects.count() == 1
        bulk.refresh_from_db()
        assert bulk.state == BulkSend.State.DRAFT


def test_an_empty_list_or_text_is_refused(agency, owner_membership):
    with inside(agency):
        with pytest.raises(ValidationError):
            _pasted(owner_membership, "   ")
        with pytest.raises(ValidationError):
            _pasted(owner_membership, "09121234567", body="  ")
        assert not BulkSend.objects.exists()


def test_placeholders_personalise_each_message_and_a_missing_value_skips_the_recipient(
    agency, owner_membership
):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        group = CustomerGroup.objects.create(name="تخفیف")
        maryam = person("مریم", group=group)
        nameless = person("", group=group, last_name="صالحی")  # no first name
        bulk = bulk_create(
            agency=agency,
            membership=owner_membership,
            name="شخصی",
            body="{نام} عزیز، تخفیف {نام نمایندگی} برای شماست",
            audience=BulkSend.Audience.GROUP,
            group=group,
        )
        assert bulk.body == "{first_name} عزیز، تخفیف {agency_name} برای شماست"
        assert (bulk.recipients, bulk.skipped_missing) == (1, 1)
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
        bulk_send_run(agency=agency, bulk_id=bulk.pk)
        skip = BulkSkip.objects.get(bulk=bulk)
    message = SmsMessage.objects.get(source=bulk.source)
    assert message.body == f"مریم عزیز، تخفیف {agency.name} برای شماست"
    assert message.customer_id == maryam.pk
    assert message.parts == sms_parts(message.body)
    assert (skip.reason, skip.customer_id, skip.detail) == ("missing", nameless.pk, "{نام}")


def test_a_listed_number_no_customer_holds_has_no_name_to_put_in(agency, owner_membership):
    with inside(agency):
        known = person("رضا", mobile="09121119999")
        bulk = _pasted(owner_membership, "09121119999\n09121118888", body="سلام {نام مشتری}")
        skipped = list(BulkSkip.objects.filter(bulk=bulk).values_list("value", "reason"))
        preview = bulk_preview(agency=agency, bulk=bulk)
    assert known.pk and (preview.recipients, preview.skipped["missing"]) == (1, 1)
    assert skipped == []  # the preview keeps no skips; the send records them


def test_placeholders_a_bulk_send_cannot_fill_are_refused(agency, owner_membership):
    with inside(agency):
        with pytest.raises(ValidationError) as refused:
            _pasted(owner_membership, "09121234567", body="بیمه‌نامه {شماره بیمه‌نامه}")
        with pytest.raises(ValidationError):
            _pasted(owner_membership, "09121234567", body="سلام {ناشناخته}")
        assert not BulkSend.objects.exists()
    assert "{شماره بیمه‌نامه}" in refused.value.message_dict["body"][0]


def test_a_template_gives_its_text_when_none_is_written(agency, owner_membership):
    from messaging.models import SmsTemplate

    with inside(agency):
        template = SmsTemplate.objects.create(
            name="پاییز", body="{first_name} جان، جشنواره پاییز", line="promotional"
        )
        person("مریم", mobile="09121117777")
        bulk = _pasted(owner_membership, "09121117777", body="", template=template)
    assert (bulk.body, bulk.template_id, bulk.recipients) == (template.body, template.pk, 1)


def test_a_template_a_bulk_send_was_made_from_is_only_deactivated(agency, owner_membership):
    from messaging.models import SmsTemplate
    from messaging.services import sms_template_delete

    with inside(agency):
        template = SmsTemplate.objects.create(name="پاییز", body="جشنواره", line="promotional")
        _pasted(owner_membership, "09121117777", body="", template=template)
        sms_template_delete(agency=agency, actor=owner_membership.user, template=template)
        template.refresh_from_db()
    assert template.is_active is False


def test_an_agency_suspended_before_its_send_starts_queues_nothing(agency, owner_membership):
    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(3)))
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    with inside(agency):
        assert bulk_send_run(agency=agency, bulk_id=bulk.pk) == 0
        bulk.refresh_from_db()
    assert bulk.state == BulkSend.State.FAILED
    assert not SmsMessage.objects.exists()
    assert credit_balance(agency.pk) == Decimal(100_000)


def test_the_sweep_starts_a_due_send_whose_message_was_lost(agency, owner_membership):
    from messaging.bulk.tasks import bulk_sweep

    credit_top_up(agency_id=agency.pk, amount=100_000)
    with inside(agency):
        bulk = _pasted(owner_membership, "\n".join(_numbers(2)))
        soon = timezone.now() + dt.timedelta(minutes=3)
        bulk_schedule(agency=agency, membership=owner_membership, bulk=bulk, scheduled_at=soon)
    assert not SmsMessage.objects.exists()  # its own message never ran (no commit in a test)
    assert bulk_sweep.delay().get() == 1  # one message per active agency
    assert SmsMessage.objects.filter(source=bulk.source).count() == 2
    bulk_sweep.delay().get()
    assert SmsMessage.objects.filter(source=bulk.source).count() == 2
