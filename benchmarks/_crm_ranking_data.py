"""A large agency book for the CRM ranking benchmark, generated in the database.

``crm_fill(schema, customers, policies)`` fills one agency schema with live customers, the
agency's own book policies (a few cancelled, a few other insurers'), paid claims, and
cheques (some bounced), each table by one ``INSERT … SELECT … FROM generate_series`` — no
Python loop over rows, so 200,000 customers and 300,000 policies take seconds. Columns the
statement does not name get the model's default (or NULL), read from the model, so a new
column with a default does not break the generator.

(The CRM list/lookup benchmark has a generator of its own, ``benchmarks/_crm_fill.py``; this
one adds what ranking reads: claims and bounced cheques.)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django_tenants.utils import schema_context

from crm.models import BookPolicy, ClaimRecord, Customer, Instrument


@dataclass(frozen=True)
class RankingData:
    customers: int
    policies: int
    claims: int
    bounced: int
    seconds: float


def _insert(model: type[models.Model], given: dict[str, str], source: str, params: dict) -> int:
    """``INSERT INTO model (given columns + defaults) SELECT … FROM source``; returns rows."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or isinstance(field, models.GeneratedField):
            continue
        column = field.column
        if column in given:
            columns.append(column)
            # "%" alone is SQL's modulo; "%(name)s" a parameter.
            values.append(re.sub(r"%(?!\()", "%%", given[column]))
        elif not field.null:
            default: Any = field.get_default()
            columns.append(column)
            if isinstance(default, list | tuple):  # an ArrayField: an empty array
                values.append("'{}'")
                continue
            key = f"default_{column}"
            params[key] = default if default is not None else ""
            values.append(f"%({key})s")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def crm_fill(
    schema: str,
    customers: int = 200_000,
    policies: int = 300_000,
    *,
    claims: int | None = None,
    cheques: int | None = None,
    bounced_share: float = 0.2,
) -> RankingData:
    """Add ``customers`` customers and ``policies`` book policies to ``schema`` (and, by
    default, a claim for every 20th policy and a cheque for every 10th customer, a fifth of
    them bounced). Customers get policies unevenly (some many, most one or none), so the
    percentiles have something to rank."""
    claims = policies // 20 if claims is None else claims
    cheques = customers // 10 if cheques is None else cheques
    started = time.monotonic()
    with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Customer._meta.db_table}")  # noqa: S608
        (first_id,) = cursor.fetchone()
        cursor.execute(
            f"SELECT COALESCE(MAX(policy_id), 0) FROM {BookPolicy._meta.db_table}"  # noqa: S608
        )
        (first_policy,) = cursor.fetchone()
        params: dict[str, Any] = {"customers": customers, "first_id": first_id}
        made = _insert(
            Customer,
            {
                "kind": "'definite'",
                "party": "'person'",
                "first_name": "'نام' || g",
                "last_name": "'خانواده' || (g % 5000)",
                "mobile": "'09' || lpad((300000000 + g)::text, 9, '0')",
                "source": "'ledger'",
                "created_at": "now() - (g % 1000) * interval '1 day'",
                "updated_at": "now()",
            },
            "generate_series(1, %(customers)s) AS g",
            params,
        )
        params = {
            "policies": policies,
            "customers": customers,
            "first_id": first_id,
            "first_policy": first_policy,
        }
        # Policy g belongs to customer ⌊n·u²⌋ with u = frac(g·φ) spread evenly over [0, 1):
        # a skewed spread (the first customers hold many policies, the last ones few or
        # none). Every 50th is cancelled, every 15th is another insurer's.
        book = _insert(
            BookPolicy,
            {
                "customer_id": "%(first_id)s + 1 + floor(%(customers)s * power(g * 0.6180339887498949"
                " - floor(g * 0.6180339887498949), 2))::bigint",
                "origin": "CASE WHEN g % 15 = 0 THEN 'other' ELSE 'ledger' END",
                "policy_id": "CASE WHEN g % 15 = 0 THEN NULL ELSE %(first_policy)s + g END",
                "insurer_code": "CASE WHEN g % 15 = 0 THEN 'asia' ELSE '' END",
                "line_code": "(ARRAY['third_party','body','fire','travel'])[1 + g % 4]",
                "number": "'B-' || g",
                "premium": "(1000000 + (g % 997) * 25000)::numeric",
                "commission": "CASE WHEN g % 3 = 0 THEN (g % 997) * 1000 ELSE NULL END",
                "state": "CASE WHEN g % 50 = 0 THEN 'cancelled' ELSE 'active' END",
                "start_date": "date '2026-03-21' + (g % 365)",
                "end_date": "date '2027-03-21' + (g % 365)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %(policies)s) AS g",
            params,
        )
        params = {"claims": claims, "customers": customers, "first_id": first_id}
        claimed = _insert(
            ClaimRecord,
            {
                "customer_id": "%(first_id)s + 1 + ((g::bigint * 104729) % %(customers)s)",
                "number": "'C-' || g",
                "filed_at": "date '2026-06-01' + (g % 150)",
                "paid_amount": "(500000 + (g % 613) * 40000)::numeric",
                "paid_at": "date '2026-07-01' + (g % 150)",
                "state": "'paid'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %(claims)s) AS g",
            params,
        )
        every = max(1, round(1 / bounced_share)) if bounced_share else 0
        params = {"cheques": cheques, "customers": customers, "first_id": first_id}
        bounced_state = (
            f"CASE WHEN g % {every} = 0 THEN 'bounced' ELSE 'due' END" if every else "'due'"
        )
        _insert(
            Instrument,
            {
                "customer_id": "%(first_id)s + 1 + ((g::bigint * 7919) % %(customers)s)",
                "kind": "'cheque'",
                "amount": "(2000000 + (g % 101) * 100000)::numeric",
                "due_date": "date '2026-09-01' + (g % 180)",
                "state": bounced_state,
                "created_at": "now()",
            },
            "generate_series(1, %(cheques)s) AS g",
            params,
        )
        for model in (Customer, BookPolicy, ClaimRecord, Instrument):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(
            f"SELECT COUNT(*) FROM {Instrument._meta.db_table} WHERE state = 'bounced'"  # noqa: S608
        )
        (bounced,) = cursor.fetchone()
    return RankingData(made, book, claimed, bounced, time.monotonic() - started)
