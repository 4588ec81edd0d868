"""Keep the host cache true: any change to an agency or a domain is seen at once; and the
signal the flow apps hear when an agency's status changes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from tenants.hosts import host_cache_forget, host_cache_forget_agency
from tenants.models import Agency, Domain

# Sent after the commit of ``agency_set_status`` with ``agency_id``, ``old`` and ``new``
# (statuses); receivers only record or enqueue (referrals withdraw a stopped agency's offers).
agency_status_changed = Signal()


@receiver([post_save, post_delete], sender=Agency)
def _agency_changed(sender, instance: Agency, **kwargs) -> None:
    # Inside the change's transaction: with Redis down this raises and the change is
    # refused, since a resolution that cannot be dropped would outlive the outage.
    host_cache_forget_agency(instance.pk)
    # Forget again after commit, so that a request racing the transaction cannot keep
    # the old row in the cache (logged, not raised, if Redis fails in between).
    agency_id = instance.pk
    transaction.on_commit(lambda: host_cache_forget_agency(agency_id), robust=True)


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender, instance: Domain, **kwargs) -> None:
    hosts = {instance.domain, getattr(instance, "_original_domain", None) or ""}
    host_cache_forget(*hosts)
    transaction.on_commit(lambda: host_cache_forget(*hosts), robust=True)
    instance._original_domain = instance.domain
