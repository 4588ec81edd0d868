"""The confirmed import of a large file, run by a worker inside the agency's schema."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from core.storage import private_storage
from tenants.tenant_tasks import tenant_task

PROGRESS_SECONDS = 6 * 3600


def progress_key(schema_name: str, token: str) -> str:
    return f"crm-book-import:{schema_name}:{token}:progress"


def report_key(schema_name: str, token: str) -> str:
    return f"crm-book-import:{schema_name}:{token}:report"


def progress_set(schema_name: str, token: str, **state: Any) -> None:
    try:
        cache.set(progress_key(schema_name, token), state, PROGRESS_SECONDS)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the import goes on without it
        return


def report_keep(schema_name: str, token: str, report: Any) -> None:
    """The check's report, for the preview page (an hour; read again when lost)."""
    try:
        cache.set(report_key(schema_name, token), report, PROGRESS_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is a shortcut
        return


@tenant_task(time_limit=1800, soft_time_limit=1700)
def crm_book_import(
    schema_name: str, name: str, kind: str, token: str, actor_id: int | None, total: int
) -> int:
    """Import a checked file (``crm.services.book_import``). Run twice, the second run adds
    nothing (policies already in the book are skipped), so a redelivered message is safe."""
    from crm.services.book_import import book_import_run

    agency = connection.tenant  # type: ignore[attr-defined]
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    storage = private_storage()
    if not storage.exists(name):
        progress_set(schema_name, token, state="gone", done=0, total=total)
        return 0
    progress_set(schema_name, token, state="running", done=0, total=total)
    with storage.open(name, "rb") as stream:
        report = book_import_run(
            agency=agency,
            actor=actor,
            stream=stream,
            kind=kind,
            progress=lambda done: progress_set(
                schema_name, token, state="running", done=done, total=total
            ),
        )
    if not report.ok:
        report_keep(schema_name, token, report)
        progress_set(schema_name, token, state="refused", done=0, total=total)
        return 0
    storage.delete(name)
    progress_set(
        schema_name,
        token,
        state="done",
        done=report.rows,
        total=total,
        added=report.added,
        new_customers=report.new_customers,
    )
    return report.added


@tenant_task(time_limit=1800, soft_time_limit=1700)
def crm_book_import_check(schema_name: str, name: str, kind: str, token: str) -> int:
    """Check a long file for its preview (nothing written); the report waits in the cache,
    the progress says "checked" with the number of rows. Safe to run twice."""
    from crm.services.book_import import book_import_check

    agency = connection.tenant  # type: ignore[attr-defined]
    storage = private_storage()
    if not storage.exists(name):
        progress_set(schema_name, token, state="gone", done=0, total=0)
        return 0
    with storage.open(name, "rb") as stream:
        report = book_import_check(
            agency=agency,
            stream=stream,
            kind=kind,
            progress=lambda done: progress_set(
                schema_name, token, state="checking", done=done, total=0
            ),
        )
    report_keep(schema_name, token, report)
    progress_set(schema_name, token, state="checked", done=report.rows, total=report.rows)
    return report.rows
