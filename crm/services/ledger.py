"""Definite customers and the book from the public ledger (S-6.1, S-6.2).

A policy an agency sold becomes a row of its book (unique on ``policy_id``) and its insured a
definite customer of that agency: matched by national code, then by mobile, else created.
Set-based: a batch of policies costs a fixed number of queries whatever its size, so the
backfill of an agency with thousands of policies and the single policy of ``policy_issued``
take the same path. Running it twice changes nothing: a policy already in the book is only
compared (its state) and customers are only filled where they lack something.

Runs inside the agency's schema (the tenant task puts it there); the ledger's rows are read
through the search path's public schema, never joined to agency tables in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import BookPolicy
from crm.services.ledger_batch import add_new, book_state
from crm.signals import book_policies_added, book_policies_cancelled
from crm.tenancy import schema_require
from policies.models import Policy

BATCH_SIZE = 500
_FIELDS = (
    "id",
    "number",
    "line__code",
    "state",
    "start_date",
    "end_date",
    "premium",
    "issued_at",
    "issued_by_id",
    "order_id",
    "order__quote_id",
    "order__insured_first_name",
    "order__insured_last_name",
    "order__insured_national_code",
    "order__insured_birth_date",
    "order__insured_mobile",
    "order__details",
    "order__delivery_method",
    "order__delivery_date",
    "order__delivery_slot",
    "order__delivery_province",
    "order__delivery_city",
    "order__delivery_address",
    "order__delivery_postal_code",
    "order__latitude",
    "order__longitude",
    "customer_id",
    "customer__mobile",
    "customer__national_code",
)


@dataclass
class LedgerSyncResult:
    policies: int = 0
    book_added: int = 0
    book_updated: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    cursor: tuple[dt.datetime, int] | None = field(default=None)

    def add(self, other: LedgerSyncResult) -> None:
        self.policies += other.policies
        self.book_added += other.book_added
        self.book_updated += other.book_updated
        self.customers_created += other.customers_created
        self.customers_updated += other.customers_updated


def _lock(agency: Any) -> None:
    """One ledger sync at a time per agency (the task of a sale and a backfill batch may
    meet); held to the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"crm.ledger:{agency.schema_name}"]
        )


def ledger_policies_sync(*, agency: Any, policy_ids: Iterable[int]) -> LedgerSyncResult:
    """Bring these ledger policies of ``agency`` into its book and their insured into its
    customers, in one transaction. Policies of other agencies are ignored."""
    schema_require(agency)
    ids = sorted(set(policy_ids))
    result = LedgerSyncResult()
    if not ids:
        return result
    with transaction.atomic():
        _lock(agency)
        rows = list(
            Policy.objects.filter(pk__in=ids, agency_id=agency.pk)
            .order_by("issued_at", "id")
            .values(*_FIELDS)
        )
        result.policies = len(rows)
        booked = {
            book.policy_id: book
            for book in BookPolicy.objects.filter(policy_id__in=[row["id"] for row in rows])
        }
        cancelled: list[int] = []
        for row in rows:
            book = booked.get(row["id"])
            # The ledger cancelled it: the book follows (renewals and expiry are the book's).
            if (
                book is not None
                and book.state != BookPolicy.State.CANCELLED
                and book_state(row) == BookPolicy.State.CANCELLED
            ):
                BookPolicy.objects.filter(pk=book.pk).update(
                    state=BookPolicy.State.CANCELLED, state_changed_at=timezone.now()
                )
                result.book_updated += 1
                cancelled.append(book.pk)
        if cancelled:
            book_policies_cancelled.send(sender=BookPolicy, agency=agency, book_ids=cancelled)
        new_rows = [row for row in rows if row["id"] not in booked]
        if new_rows:
            add_new(agency=agency, rows=new_rows, result=result)
            added = list(
                BookPolicy.objects.filter(
                    policy_id__in=[row["id"] for row in new_rows]
                ).values_list("pk", flat=True)
            )
            book_policies_added.send(sender=BookPolicy, agency=agency, book_ids=added)
    return result


def ledger_backfill(
    *,
    agency: Any,
    since: dt.datetime | None = None,
    after: tuple[dt.datetime, int] | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
) -> LedgerSyncResult:
    """Sync the agency's issued policies (those issued from ``since`` on, or all), oldest
    first, ``batch_size`` per transaction. With ``max_batches`` it stops early and
    ``result.cursor`` says where to go on (None once everything was seen)."""
    schema_require(agency)
    total = LedgerSyncResult()
    policies = Policy.objects.filter(agency_id=agency.pk)
    if since is not None:
        policies = policies.filter(issued_at__gte=since)
    batches = 0
    while True:
        page = policies
        if after is not None:
            page = page.filter(Q(issued_at__gt=after[0]) | Q(issued_at=after[0], id__gt=after[1]))
        keys = list(page.order_by("issued_at", "id").values_list("issued_at", "id")[:batch_size])
        if not keys:
            total.cursor = None
            return total
        total.add(ledger_policies_sync(agency=agency, policy_ids=[pk for _at, pk in keys]))
        after = keys[-1]
        batches += 1
        if len(keys) < batch_size:
            total.cursor = None
            return total
        if max_batches is not None and batches >= max_batches:
            total.cursor = after
            return total
