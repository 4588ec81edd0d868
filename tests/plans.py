"""Plans of querysets for tests that hold a page to its index: ``plan(queryset)`` is the
text of ``EXPLAIN`` with sequential scans and sorts made as dear as the planner allows, so
that on a test table of a few rows the plan still shows whether an index *can* serve the
query (without one, the plan keeps its ``Seq Scan`` and its ``Sort``)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet


def plan(queryset: QuerySet, *, bitmap: bool = False) -> str:
    """``bitmap``: plain index scans made dear too, for a search that a GIN index serves (on
    a few hundred rows the planner would rather read a whole small B-tree in order)."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        if bitmap:
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
