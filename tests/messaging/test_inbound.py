"""Replies to an agency's SMS (issue 13, item 6; decision 039): each lands once on the
sender's timeline as an incoming SMS, whatever way the provider wrote the number; "لغو" opts
the customer out of promotional SMS, audited as an SMS reply; an unknown number is kept in the
log; another agency's reply never reaches this one's CRM."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import AuditLog, SmsInbound, SmsMessage
from core.sms.base import InboundSms, SmsBackend
from core.sms.outbox import sms_inbound_poll
from core.sms.signals import sms_received
from crm.models import ContactLog, Customer
from crm.selectors.audiences import sms_reachable
from crm.services.customers import customer_create
from messaging.inbound import (
    messaging_inbound_record,
    messaging_inbound_sweep,
    sms_inbound_record,
)
from tenants.models import Agency
from tenants.services import agency_set_status
from tests.crm.conftest import inside, owner_of

pytestmark = pytest.mark.django_db

MOBILE = "09121110000"


class Replies(SmsBackend):
    name = "fake"

    def __init__(self, *replies: InboundSms) -> None:
        self.replies = list(replies)

    def inbound(self):
        replies, self.replies = self.replies, []
        return replies


def reply(sender: str, body: str, provider_id: str = "in-1") -> InboundSms:
    return InboundSms(provider_id, sender, "3000", body, timezone.now())


def customer_of(agency, *, phones=(MOBILE,), first="مریم", consent=True) -> Customer:
    with inside(agency):
        return customer_create(
            agency=agency,
            actor=owner_of(agency),
            first_name=first,
            last_name="احمدی",
            phones=list(phones),
            sms_consent_source=Customer.ConsentSource.PURCHASE if consent else "",
            allow_duplicates=True,
        )


def texted(agency, number: str = MOBILE) -> None:
    """The agency texted ``number`` last: a reply from it is the agency's."""
    SmsMessage.objects.create(to=number, body="یادآوری", agency_id=agency.pk)


def receive(capture, *replies: InboundSms) -> list[int]:
    with capture(execute=True):
        return sms_inbound_poll(backend=Replies(*replies))


def contacts(agency) -> list[tuple]:
    with inside(agency):
        return list(
            ContactLog.objects.order_by("id").values_list(
                "customer_id", "phone", "channel", "direction", "note", "sms_message_id"
            )
        )


@pytest.mark.parametrize("sender", ["+989121110000", "۰۹۱۲۱۱۱۰۰۰۰", "989121110000", "9121110000"])
def test_a_reply_lands_once_on_the_senders_timeline_in_any_number_form(
    agency, django_capture_on_commit_callbacks, sender
):
    customer = customer_of(agency)
    texted(agency)
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply(sender, "ممنونم"))

    assert contacts(agency) == [(customer.pk, MOBILE, "sms", "in", "ممنونم", inbound_id)]


def test_the_task_and_the_signal_run_twice_record_one_contact(
    agency, django_capture_on_commit_callbacks
):
    customer_of(agency)
    texted(agency)
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply(MOBILE, "سلام"))
    inbound = SmsInbound.objects.get(pk=inbound_id)

    with django_capture_on_commit_callbacks(execute=True):
        sms_received.send(sender=SmsInbound, inbound=inbound)
    messaging_inbound_record(agency.schema_name, inbound_id)
    with inside(agency):
        again = sms_inbound_record(agency=agency, inbound_id=inbound_id)

    assert len(contacts(agency)) == 1
    with inside(agency):
        assert again == ContactLog.objects.get()


def test_a_stop_reply_opts_every_holder_out_once_audited_as_an_sms_reply(
    agency, django_capture_on_commit_callbacks
):
    first = customer_of(agency)
    second = customer_of(agency, first="رضا", phones=(MOBILE, "09351112222"))
    other = customer_of(agency, first="سینا", phones=("09131112222",))
    texted(agency)
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply("+98 912 111 0000", "لغو ۱۱"))
    messaging_inbound_record(agency.schema_name, inbound_id)  # run again: nothing more

    with inside(agency):
        reachable = set(sms_reachable().values_list("pk", flat=True))
        opted = dict(Customer.objects.values_list("pk", "sms_opted_out_at"))
    assert reachable == {other.pk}
    assert opted[first.pk] is not None and opted[second.pk] is not None
    audits = AuditLog.objects.filter(action="customer.sms_consent_changed").order_by("id")
    assert [(a.target_id, a.actor_id, a.actor_label, a.changes) for a in audits] == [
        (str(first.pk), None, "sms_reply", {"sms_consent": [True, False]}),
        (str(second.pk), None, "sms_reply", {"sms_consent": [True, False]}),
    ]
    assert len(contacts(agency)) == 1


def test_a_plain_reply_changes_no_consent(agency, django_capture_on_commit_callbacks):
    customer_of(agency)
    texted(agency)
    receive(django_capture_on_commit_callbacks, reply(MOBILE, "لطفا تماس بگیرید"))

    with inside(agency):
        assert sms_reachable().count() == 1
    assert not AuditLog.objects.filter(action="customer.sms_consent_changed").exists()


def test_an_unknown_number_is_logged_without_a_customer(agency, django_capture_on_commit_callbacks):
    customer_of(agency)
    texted(agency, "09359998877")
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply("09359998877", "لغو"))

    assert contacts(agency) == [(None, "09359998877", "sms", "in", "لغو", inbound_id)]
    with inside(agency):
        assert sms_reachable().count() == 1


def test_another_agencys_reply_never_reaches_this_crm(
    agency, other_agency, django_capture_on_commit_callbacks
):
    customer_of(agency)
    customer_of(other_agency)
    texted(other_agency)  # the other agency texted the number last: the reply is its own
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply(MOBILE, "لغو"))

    assert contacts(agency) == []
    assert messaging_inbound_record(agency.schema_name, inbound_id) is None
    assert contacts(agency) == []
    with inside(agency):
        assert sms_reachable().count() == 1
    with inside(other_agency):
        assert sms_reachable().count() == 0


def test_a_suspended_agency_records_nothing_and_the_reply_stays_in_the_log(
    agency, django_capture_on_commit_callbacks
):
    customer_of(agency)
    texted(agency)
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    [inbound_id] = receive(django_capture_on_commit_callbacks, reply(MOBILE, "لغو"))

    assert contacts(agency) == []
    assert SmsInbound.objects.filter(pk=inbound_id, agency_id=agency.pk).exists()


def test_the_sweep_records_replies_whose_task_was_never_sent(agency, other_agency):
    customer_of(agency)
    texted(agency)
    # Stored without its announcement (as when the broker was down).
    inbound = SmsInbound.objects.create(
        backend="fake",
        provider_id="lost",
        sender=MOBILE,
        body="لغو",
        received_at=timezone.now(),
        agency_id=agency.pk,
        opt_out=True,
    )

    assert messaging_inbound_sweep() == 1
    assert messaging_inbound_sweep() == 1  # again: nothing more recorded

    assert contacts(agency) == [(contacts(agency)[0][0], MOBILE, "sms", "in", "لغو", inbound.pk)]
    with inside(agency):
        assert sms_reachable().count() == 0


def test_a_stop_reply_cancels_and_refunds_the_promotional_messages_still_waiting(
    agency, django_capture_on_commit_callbacks
):
    import datetime as dt
    from decimal import Decimal

    from core.sms.credit import credit_balance, credit_top_up
    from core.sms.outbox import OutboxItem, sms_outbox_add

    customer_of(agency)
    credit_top_up(agency_id=agency.pk, amount=Decimal(100_000))
    later = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks():
        for line in ("promotional", "service"):
            sms_outbox_add(
                agency_id=agency.pk,
                items=[OutboxItem(MOBILE, "جشنواره تخفیف")],
                line=line,
                kind="bulk",
                source="bulk:1",
                not_before=later,
            )
    texted(agency)
    receive(django_capture_on_commit_callbacks, reply(MOBILE, "لغو"))
    statuses = dict(SmsMessage.objects.filter(source="bulk:1").values_list("line", "status"))
    assert statuses == {"promotional": "cancelled", "service": "queued"}
    service_cost = SmsMessage.objects.get(source="bulk:1", line="service").cost
    assert credit_balance(agency.pk) == Decimal(100_000) - service_cost
