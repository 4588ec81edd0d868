"""A customer's reply, in the agency's CRM (issue 13, item 6; decision 039).

``core`` stores each inbound message once in the public schema and announces it
(``core.sms.signals.sms_received``); ``messaging.receivers`` hands it to the agency's schema as
a tenant task, and :func:`sms_inbound_record` puts it on the sender's timeline as an incoming
SMS contact and, for "لغو" and the like, opts the sender out of promotional SMS.

Exactly once: the public row is locked ``FOR UPDATE`` while the contact is looked for and
written, so a task run twice (or two workers at once) records one contact and one opt-out.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.db import connection
from django.utils import timezone

from core.models import SmsInbound
from core.queue import enqueue
from core.sms.outbox import sms_outbox_cancel_to
from crm.models import ContactLog, Customer
from crm.selectors.customers import customers_by_phone
from crm.services.base import agency_write
from crm.services.customers import customer_sms_consent_set
from crm.tenancy import schema_require
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tenants.tenant_tasks import tenant_task

logger = logging.getLogger(__name__)

# The audit log's name for an opt-out the customer asked for by SMS (core.labels.ACTORS).
SMS_REPLY_ACTOR = "sms_reply"
# What a reply's contact row says it came through.
VIA_SMS_REPLY = "sms_reply"
# The sweep looks this far back for replies whose task the broker never took.
SWEEP_SINCE = dt.timedelta(days=2)


def inbound_contact(inbound_id: int) -> ContactLog | None:
    """The contact recorded for a public inbound message (``sms_message_id`` of an incoming
    SMS contact is the ``SmsInbound`` id, of an outgoing one the ``SmsMessage`` id)."""
    return ContactLog.objects.filter(
        channel=ContactLog.Channel.SMS,
        direction=ContactLog.Direction.IN,
        sms_message_id=inbound_id,
    ).first()


def sms_inbound_record(*, agency: Any, inbound_id: int) -> ContactLog | None:
    """Log the inbound message ``inbound_id`` (addressed to ``agency``) as an incoming SMS
    contact of the live customer holding the sender's number (or of the number alone), and
    opt every live holder of that number out of promotional SMS if it asks to stop.

    Idempotent; None when there is no such message for this agency. A stopped agency
    records nothing (``AgencyNotActive``): the message stays in the public log."""
    schema_require(agency)
    with agency_write(agency):
        inbound = (
            SmsInbound.objects.select_for_update()
            .filter(pk=inbound_id, agency_id=agency.pk)
            .first()
        )
        if inbound is None:
            return None
        existing = inbound_contact(inbound.pk)
        if existing is not None:
            return existing
        holders = customers_by_phone(phone=inbound.sender)
        contact = ContactLog.objects.create(
            customer_id=holders[0].pk if holders else None,
            phone=inbound.sender[:16],
            channel=ContactLog.Channel.SMS,
            direction=ContactLog.Direction.IN,
            via=VIA_SMS_REPLY,
            sms_message_id=inbound.pk,
            note=inbound.body,
            occurred_at=inbound.received_at,
        )
        if inbound.opt_out:
            for holder in holders:
                _opt_out(agency, holder.pk)
            # What was queued for the number before the request is not sent either.
            sms_outbox_cancel_to(agency_id=agency.pk, to=inbound.sender)
    return contact


def _opt_out(agency: Any, customer_id: int) -> None:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or customer.sms_opted_out_at is not None:
        return
    customer_sms_consent_set(
        agency=agency,
        actor=None,
        customer=customer,
        consent=False,
        actor_label=SMS_REPLY_ACTOR,
    )


@tenant_task
def messaging_inbound_record(schema_name: str, inbound_id: int) -> int | None:
    """The task: record one inbound message in the agency's schema (safe to run twice)."""
    agency = connection.tenant  # type: ignore[attr-defined]
    try:
        contact = sms_inbound_record(agency=agency, inbound_id=inbound_id)
    except AgencyNotActive:
        logger.info("Inbound SMS %s not recorded: agency %s is not active", inbound_id, agency.pk)
        return None
    return contact.pk if contact is not None else None


def sms_inbound_catch_up(*, agency: Any, since: dt.datetime) -> int:
    """Record the agency's replies since ``since`` that are not on a timeline yet (their task
    was never sent: broker down). Returns how many were recorded now."""
    schema_require(agency)
    ids = list(
        SmsInbound.objects.filter(agency_id=agency.pk, received_at__gte=since).values_list(
            "pk", flat=True
        )
    )
    done = set(
        ContactLog.objects.filter(
            channel=ContactLog.Channel.SMS,
            direction=ContactLog.Direction.IN,
            sms_message_id__in=ids,
        ).values_list("sms_message_id", flat=True)
    )
    missing = [pk for pk in ids if pk not in done]
    for inbound_id in missing:
        sms_inbound_record(agency=agency, inbound_id=inbound_id)
    return len(missing)


@tenant_task
def messaging_inbound_catch_up(schema_name: str, since: str) -> int:
    """The sweep's work in one agency's schema (safe to run twice)."""
    agency = connection.tenant  # type: ignore[attr-defined]
    try:
        return sms_inbound_catch_up(agency=agency, since=dt.datetime.fromisoformat(since))
    except AgencyNotActive:
        return 0


@shared_task
def messaging_inbound_sweep() -> int:
    """Beat, hourly: every agency with replies of the last two days gets a catch-up task
    (replies already on a timeline are left alone). Returns the number of agencies."""
    since = timezone.now() - SWEEP_SINCE
    agency_ids = (
        SmsInbound.objects.filter(received_at__gte=since, agency_id__isnull=False)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    schemas = Agency.objects.filter(pk__in=list(agency_ids), status=Agency.Status.ACTIVE)
    count = 0
    for schema_name in schemas.values_list("schema_name", flat=True):
        enqueue(messaging_inbound_catch_up, schema_name, since.isoformat())
        count += 1
    return count
