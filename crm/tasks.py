"""The CRM's Celery tasks: thin, idempotent, each inside one agency's schema (decision 024)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.queue import enqueue
from tenants.tenant_tasks import tenant_fan_out, tenant_task

logger = logging.getLogger(__name__)

# Batches one backfill message works through before it sends the rest on as a new message
# (a message stays well inside the task time limit, and a big agency does not hold a worker).
BACKFILL_BATCHES_PER_TASK = 20
BACKFILL_BATCH_SIZE = 500
# The nightly sweep looks this far back for sales whose sync message the broker never took.
SWEEP_DAYS = 3


@tenant_task
def crm_policy_sync(schema_name: str, policy_id: int) -> int:
    """A policy the agency sold: its book row and definite customer (``policy_issued``)."""
    from crm.services.ledger import ledger_policies_sync

    agency = connection.tenant  # type: ignore[attr-defined]
    return ledger_policies_sync(agency=agency, policy_ids=[policy_id]).book_added


@tenant_task
def crm_ledger_backfill(
    schema_name: str, since: str | None = None, after: list | None = None
) -> int:
    """The agency's issued policies (from ``since``, ISO time, or all) into its book and
    customers, in batches; sends itself on with a cursor when there is more."""
    from crm.services.ledger import ledger_backfill

    cursor = (parse_datetime(after[0]), int(after[1])) if after else None
    result = ledger_backfill(
        agency=connection.tenant,  # type: ignore[attr-defined]
        since=parse_datetime(since) if since else None,
        after=cursor,  # type: ignore[arg-type]
        batch_size=BACKFILL_BATCH_SIZE,
        max_batches=BACKFILL_BATCHES_PER_TASK,
    )
    if result.cursor is not None:
        at, pk = result.cursor
        enqueue(crm_ledger_backfill, schema_name, since, [at.isoformat(), pk])
    logger.info("crm backfill %s: %s", schema_name, result)
    return result.book_added


def crm_backfill_all(*, since: dt.datetime | None = None, window_seconds: float = 0) -> int:
    """One backfill message per agency with a schema (suspended ones too: their data is
    kept); returns how many."""
    return tenant_fan_out(
        crm_ledger_backfill,
        since.isoformat() if since else None,
        window_seconds=window_seconds,
        statuses=None,
    )


@shared_task
def crm_ledger_sweep() -> int:
    """Beat, nightly: sales of the last days whose sync message was never sent (broker
    down) reach the book now; everything else is already there and stays unchanged."""
    since = timezone.now() - dt.timedelta(days=SWEEP_DAYS)
    return crm_backfill_all(since=since, window_seconds=30 * 60)


@tenant_task
def crm_sale_link_send(schema_name: str, sale_id: int, contact_id: int) -> int | None:
    """Text a customer the link to the order staff made for them (once, however often run)."""
    from crm.services.selling import sale_link_sms

    agency = connection.tenant  # type: ignore[attr-defined]
    return sale_link_sms(agency=agency, sale_id=sale_id, contact_id=contact_id)


@tenant_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def crm_ranking_recompute(schema_name: str) -> int:
    """Every live customer's rank in this agency (idempotent: a second run writes nothing
    unless the data or the weights changed); returns the rank rows written."""
    from crm.services.ranking import ranking_recompute

    return ranking_recompute(agency=connection.tenant).changed  # type: ignore[attr-defined]


@shared_task
def crm_ranking_nightly() -> int:
    """Beat, nightly: one recompute per agency with a schema (suspended ones too: the
    insurer still reads their ranks), spread over an hour; returns how many were sent."""
    return tenant_fan_out(crm_ranking_recompute, window_seconds=60 * 60, statuses=None)


@tenant_task
def crm_activity_reminders(schema_name: str) -> int:
    """Reminders of the agency's activities that are due now, each sent once."""
    from crm.services.reminders import activity_reminders_send

    return activity_reminders_send(agency=connection.tenant)  # type: ignore[attr-defined]


@shared_task
def crm_reminders_sweep() -> int:
    """Beat, every few minutes: one reminder message per active agency, spread over a
    minute. A message run twice (or beat firing twice) sends nothing twice."""
    return tenant_fan_out(crm_activity_reminders, window_seconds=60)


@tenant_task
def crm_commission_set(schema_name: str, policy_id: int, amount: str) -> bool:
    """The commission settlement fixed on a policy the agency sold, onto its book row (the
    policy is booked first if its own sync has not run yet); a second run writes nothing."""
    from decimal import Decimal

    from crm.services.commissions import book_commission_set

    agency = connection.tenant  # type: ignore[attr-defined]
    return book_commission_set(agency=agency, policy_id=policy_id, amount=Decimal(amount))


# The book's import task lives beside its views; imported here so that workers register it.
from crm.book_tasks import crm_book_import  # noqa: E402, F401
