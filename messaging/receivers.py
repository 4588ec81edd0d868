"""The SMS log listens to core's SMS layer: a reply that arrived goes to its agency's CRM as
a tenant task (decision 039). Receivers only enqueue (decision 024)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.models import SmsInbound
from core.queue import enqueue_on_commit
from core.sms.signals import sms_received
from messaging.inbound import messaging_inbound_record
from tenants.models import Agency


@receiver(sms_received, dispatch_uid="messaging.sms_received")
def inbound_to_timeline(sender: Any, inbound: SmsInbound, **kwargs: Any) -> None:
    """A reply nobody can tie to an agency stays in the public log only."""
    if inbound.agency_id is None:
        return
    schema_name = (
        Agency.objects.filter(pk=inbound.agency_id).values_list("schema_name", flat=True).first()
    )
    if not schema_name:
        return
    enqueue_on_commit(messaging_inbound_record, schema_name, inbound.pk)
