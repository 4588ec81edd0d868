"""Exports to the core issuing system (S-5.2): a day's open batches taken to one file.

Creating an export takes the batches (in one transaction, under the settlement lock) and
fixes the control totals; a Celery task then writes the CSV and its Excel copy. Writing is
claimed with a conditional update and an attempt number, goes to ``.part`` files renamed
into place at the end, and reads nothing that can change (items are copied when batched):
a worker killed half-way leaves the export "being written", the resume sweep or a second
delivery writes it again from the start, and the file is the same to the byte. A repeat
("re-export") is an explicit action: it writes the file again and refuses to replace it if
a single byte would differ.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.jalali import format_jalali_date, to_jalali
from core.models import AuditLog
from core.queue import enqueue_on_commit
from settlement.file_format import ExportRow, SettlementFileWriter, Totals
from settlement.models import SettlementBatch, SettlementExport
from settlement.services.batches import settlement_lock

SETTLEMENT_ROLES = ("operator", "admin")


class ExportSuperseded(Exception):
    """Another attempt took the export over (this one was presumed lost)."""


def refuse_unless_settler(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(
        *SETTLEMENT_ROLES
    ):
        raise PermissionDenied(_("Only virtual-branch operators settle payments."))


def private_storage():
    return storages["private"]


def export_number(day: dt.date, sequence: int) -> str:
    """``1405/09/10``, the second export of that day → ``14050910-02``."""
    jalali = to_jalali(day)
    return f"{jalali.year:04d}{jalali.month:02d}{jalali.day:02d}-{sequence:02d}"


def settlement_export_create(*, day: dt.date, actor: Any) -> SettlementExport:
    """Take every open batch of ``day`` to a new export and queue the writing of its file.
    Refused, writing nothing, when there is nothing open to take."""
    refuse_unless_settler(actor)
    with transaction.atomic():
        settlement_lock()
        batches = list(
            SettlementBatch.objects.filter(day=day, state=SettlementBatch.State.OPEN)
            .select_for_update()
            .order_by("id")
        )
        if not batches:
            done = SettlementExport.objects.filter(day=day).order_by("-sequence").first()
            if done is not None:
                message = _(
                    "Every batch of %(date)s is in export %(number)s already. To send the same "
                    "file again, use “export again” on that export."
                ) % {"date": format_jalali_date(day), "number": done.number}
            else:
                message = _(
                    "There is nothing to settle for %(date)s: build the day's batches first."
                ) % {"date": format_jalali_date(day)}
            raise ValidationError({"day": [message]})
        sequence = (
            SettlementExport.objects.filter(day=day).aggregate(last=Max("sequence"))["last"] or 0
        ) + 1
        export = SettlementExport.objects.create(
            number=export_number(day, sequence),
            day=day,
            sequence=sequence,
            batch_count=len(batches),
            item_count=sum(batch.item_count for batch in batches),
            total_amount=sum(batch.total_amount for batch in batches),
            total_commission=sum(batch.total_commission for batch in batches),
            created_by=actor,
        )
        taken = SettlementBatch.objects.filter(
            pk__in=[batch.pk for batch in batches], state=SettlementBatch.State.OPEN
        ).update(state=SettlementBatch.State.EXPORTED, export=export)
        assert taken == len(batches)  # we hold the lock and the rows
        audit_record(
            actor=actor,
            action="settlement_export.created",
            target=export,
            changes={
                "batches": (None, export.batch_count),
                "items": (None, export.item_count),
                "amount": (None, str(export.total_amount)),
                "commission": (None, str(export.total_commission)),
            },
        )
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    actor=actor,
                    actor_label=str(actor),
                    action="settlement_batch.exported",
                    target_type=SettlementBatch._meta.label_lower,
                    target_id=str(batch.pk),
                    agency_id=batch.agency_id,
                    changes={
                        "state": [SettlementBatch.State.OPEN, SettlementBatch.State.EXPORTED],
                        "export": [None, export.number],
                    },
                )
                for batch in batches
            ],
            batch_size=1000,
        )
        _queue_render(export)
    return export


def settlement_export_repeat(*, export: SettlementExport, actor: Any) -> SettlementExport:
    """Write an export's file again (explicitly asked for: "export again"). The items are
    the same, so the file is the same; a failed export is retried the same way."""
    refuse_unless_settler(actor)
    with transaction.atomic():
        locked = SettlementExport.objects.select_for_update().get(pk=export.pk)
        if locked.state not in (SettlementExport.State.DONE, SettlementExport.State.FAILED):
            raise ValidationError(_("This export is being written; wait until it is ready."))
        old = locked.state
        locked.state = SettlementExport.State.QUEUED
        locked.error = ""
        locked.save(update_fields=["state", "error"])
        audit_record(
            actor=actor,
            action="settlement_export.repeated",
            target=locked,
            changes={"state": (old, locked.state)},
        )
        _queue_render(locked)
    return locked


def _queue_render(export: SettlementExport) -> None:
    from settlement.tasks import settlement_export_render

    # Unsent (broker down), settlement_work_resume queues it again.
    enqueue_on_commit(settlement_export_render, export.pk)


# ---- writing the file (the task) -------------------------------------------------------------

_CLAIM = """
    UPDATE settlement_settlementexport
    SET state = 'running', attempt = attempt + 1, heartbeat_at = now(), rows_written = 0
    WHERE id = %(id)s
      AND (state = 'queued' OR (state = 'running' AND heartbeat_at < %(stale)s))
    RETURNING attempt
"""

_ROWS = """
    SELECT CASE WHEN i.reverses_id IS NULL THEN 'D' ELSE 'R' END,
           b.id, a.code, i.id, i.policy_number, i.line_code,
           (i.issued_at AT TIME ZONE %(tz)s)::date,
           (i.paid_at AT TIME ZONE %(tz)s)::date,
           to_char(i.paid_at AT TIME ZONE %(tz)s, 'HH24:MI:SS'),
           i.gateway, i.bank_reference, i.amount::bigint, i.commission::bigint
    FROM settlement_settlementbatch b
    LEFT JOIN tenants_agency a ON a.id = b.agency_id
    JOIN settlement_settlementitem i ON i.batch_id = b.id
    WHERE b.export_id = %(id)s
    ORDER BY a.code NULLS FIRST, b.id, i.id
"""


def stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.SETTLEMENT_STALE_SECONDS)


def _progress(export_id: int, attempt: int, rows: int) -> None:
    """Record how far the file is (the page's progress bar) and that this attempt lives."""
    alive = SettlementExport.objects.filter(pk=export_id, attempt=attempt).update(
        rows_written=rows, heartbeat_at=timezone.now()
    )
    if not alive:
        raise ExportSuperseded


@dataclass(frozen=True)
class Rendered:
    csv_name: str
    xlsx_name: str
    sha256: str
    totals: Totals


def export_file_names(export: SettlementExport) -> tuple[str, str]:
    folder = f"settlement/exports/{export.number[:4]}"
    return f"{folder}/settlement-{export.number}.csv", f"{folder}/settlement-{export.number}.xlsx"


def _write_files(export: SettlementExport, attempt: int, csv_path: Path, xlsx_path: Path) -> Totals:
    chunk = settings.SETTLEMENT_EXPORT_CHUNK
    with (
        csv_path.open("w", encoding="utf-8", newline="") as csv_stream,
        xlsx_path.open("wb") as xlsx_stream,
    ):
        writer = SettlementFileWriter(csv_stream, xlsx_stream, number=export.number, day=export.day)
        written = 0
        with connection.chunked_cursor() as cursor:
            cursor.execute(_ROWS, {"id": export.pk, "tz": settings.TIME_ZONE})
            while rows := cursor.fetchmany(chunk):
                for row in rows:
                    writer.add(ExportRow._make(row))
                written += len(rows)
                _progress(export.pk, attempt, written)
        return writer.finish()


def render_export(export: SettlementExport, attempt: int) -> Rendered:
    """Write the export's CSV and Excel files into private storage; the CSV's SHA-256."""
    storage = private_storage()
    csv_name, xlsx_name = export_file_names(export)
    csv_path, xlsx_path = Path(storage.path(csv_name)), Path(storage.path(xlsx_name))
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_part = csv_path.with_name(f"{csv_path.name}.{attempt}.part")
    xlsx_part = xlsx_path.with_name(f"{xlsx_path.name}.{attempt}.part")
    try:
        totals = _write_files(export, attempt, csv_part, xlsx_part)
        expected = Totals(
            export.batch_count,
            export.item_count,
            int(export.total_amount),
            int(export.total_commission),
        )
        if totals != expected:
            raise ValueError(
                f"the file adds up to {totals}, the export's control totals are {expected}"
            )
        digest = hashlib.sha256()
        with csv_part.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
        sha = digest.hexdigest()
        if export.csv_sha256 and sha != export.csv_sha256:
            kept = csv_path.with_name(f"{csv_path.name}.differs-{attempt}")
            os.replace(csv_part, kept)
            raise ValueError(
                f"written again it differs from the first file (SHA-256 {sha} instead of "
                f"{export.csv_sha256}); the first file is kept and the new one is {kept.name}"
            )
        os.replace(csv_part, csv_path)
        os.replace(xlsx_part, xlsx_path)
    finally:
        for part in (csv_part, xlsx_part):
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
    return Rendered(csv_name, xlsx_name, sha, totals)


def _remove_leftovers(export: SettlementExport) -> None:
    """``.part`` files of earlier attempts that died before they could tidy up."""
    storage = private_storage()
    for name in export_file_names(export):
        path = Path(storage.path(name))
        if path.parent.exists():
            for part in path.parent.glob(f"{path.name}.*.part"):
                part.unlink(missing_ok=True)


def settlement_export_render(*, export_id: int) -> bool:
    """Write the file of a queued export (or of one whose writer stopped showing signs of
    life). Safe to run twice: a second caller finds it claimed or done and does nothing."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, {"id": export_id, "stale": stale_before()})
        claimed = cursor.fetchone()
    if claimed is None:
        return False
    attempt = claimed[0]
    export = SettlementExport.objects.get(pk=export_id)
    _remove_leftovers(export)
    try:
        rendered = render_export(export, attempt)
    except ExportSuperseded:
        return False
    except Exception as error:
        failed = SettlementExport.objects.filter(pk=export_id, attempt=attempt).update(
            state=SettlementExport.State.FAILED, error=str(error), finished_at=timezone.now()
        )
        if failed:
            audit_record(
                actor=None,
                actor_label="settlement",
                action="settlement_export.failed",
                target=export,
                changes={
                    "state": (SettlementExport.State.RUNNING, "failed"),
                    "error": (None, str(error)),
                },
            )
        raise
    with transaction.atomic():
        done = SettlementExport.objects.filter(pk=export_id, attempt=attempt).update(
            state=SettlementExport.State.DONE,
            csv_file=rendered.csv_name,
            xlsx_file=rendered.xlsx_name,
            csv_sha256=rendered.sha256,
            rows_written=rendered.totals.items,
            finished_at=timezone.now(),
            render_count=F("render_count") + 1,
        )
        if done:
            audit_record(
                actor=None,
                actor_label="settlement",
                action="settlement_export.written",
                target=export,
                changes={
                    "state": (SettlementExport.State.RUNNING, SettlementExport.State.DONE),
                    "sha256": (export.csv_sha256 or None, rendered.sha256),
                    "attempt": (None, attempt),
                },
            )
    return bool(done)


def settlement_exports_stale() -> list[int]:
    """Exports queued but not started, or started by a writer that stopped showing signs of
    life, for the resume sweep to queue again."""
    stale = stale_before()
    return list(
        SettlementExport.objects.filter(
            Q(state=SettlementExport.State.QUEUED, created_at__lt=stale)
            | Q(state=SettlementExport.State.RUNNING, heartbeat_at__lt=stale)
        ).values_list("pk", flat=True)
    )
