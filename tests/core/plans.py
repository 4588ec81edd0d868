"""Plans of the statements a call runs, read in a test (issue of scale): which index answers
a statement and whether it still sorts. A test's tables hold a handful of rows, so the planner
would rather scan them; the scans (and sorts) a matching index makes needless are switched
off first, and a plan that still shows one says the index does not match."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction


def statements_of(call: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements (SQL and parameters) ``call`` runs on the default connection."""
    captured: list[tuple[str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return captured


def plan_of(sql: str, params: Any, *, off: Iterable[str] = ("seqscan",)) -> str:
    """``EXPLAIN`` of a statement with the planner's ``enable_<name>`` settings in ``off``
    switched off (for this statement's transaction only)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in off:
            cursor.execute(f"SET LOCAL enable_{name} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_of_statement(
    call: Callable[[], Any], *, reading: str, off: Iterable[str] = ("seqscan",)
) -> str:
    """The plan of the first statement of ``call`` that reads the table ``reading``."""
    found = [
        (sql, params)
        for sql, params in statements_of(call)
        if f'"{reading}"' in sql or f" {reading} " in sql
    ]
    assert found, f"no statement reads {reading}"
    sql, params = found[0]
    return plan_of(sql, params, off=off)
