"""The core system's confirmation of an export (S-5.2): upload, check, match.

The uploaded file is kept as it came. A task reads it once, checking every line while the
lines stream into a temporary table by COPY, all inside one transaction: a fault anywhere
(line N and the reason) rolls everything back, so a malformed or partial file changes
nothing. A file that passes is matched in SQL: each exported item is confirmed, differs
(amount or policy number) or is missing; a confirmed line that names no item of the export
is extra. The lines are kept as the core system wrote them (loaded straight into their
table by COPY) and the items are never rewritten: the export points at its latest matched
confirmation, which decides the items' and batches' state; every confirmation keeps its own
lines and list of differences.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditLog
from core.queue import enqueue
from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from settlement.file_format import ConfirmationFileError, ConfirmationLine, confirmation_lines
from settlement.models import SettlementBatch, SettlementConfirmation, SettlementExport
from settlement.services.exports import private_storage, refuse_unless_settler, stale_before

MAX_CONFIRMATION_BYTES = 200 * 1024 * 1024
PROGRESS_EVERY = 20_000


def progress_key(confirmation_id: int) -> str:
    return f"settlement:confirmation:{confirmation_id}:lines"


def settlement_confirmation_upload(
    *, export: SettlementExport, upload: UploadedFile, actor: Any
) -> SettlementConfirmation:
    """Keep the core system's file for ``export`` and queue its check. Refused when the
    export's own file is not ready, or the upload is empty or too large."""
    refuse_unless_settler(actor)
    if export.state != SettlementExport.State.DONE and not export.csv_sha256:
        raise ValidationError(
            {"file": [_("This export's file is not ready yet; import its confirmation after.")]}
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > MAX_CONFIRMATION_BYTES:
        raise ValidationError({"file": [_("The file is larger than 200 MB.")]})
    storage = private_storage()
    name = f"settlement/confirmations/{export.number}-{uuid.uuid4().hex[:12]}.csv"
    digest = hashlib.sha256()
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            digest.update(chunk)
            stream.write(chunk)
    with transaction.atomic():
        confirmation = SettlementConfirmation.objects.create(
            export=export,
            file=name,
            original_name=(upload.name or "confirmation.csv")[:255],
            sha256=digest.hexdigest(),
            size=size,
            imported_by=actor,
        )
        audit_record(
            actor=actor,
            action="settlement_confirmation.uploaded",
            target=confirmation,
            changes={
                "export": (None, export.number),
                "file": (None, confirmation.original_name),
                "sha256": (None, confirmation.sha256),
            },
        )
        transaction.on_commit(lambda: _queue(confirmation.pk))
    return confirmation


def _queue(confirmation_id: int) -> None:
    from settlement.tasks import settlement_confirmation_apply

    enqueue(settlement_confirmation_apply, confirmation_id)  # unsent: settlement_work_resume


class _CopySource(io.RawIOBase):
    """A file COPY reads from, filled by checking the confirmation's lines one by one. A fault
    is kept here (psycopg2 only reports that reading failed) and the COPY is abandoned."""

    def __init__(self, lines: Iterator[ConfirmationLine], confirmation_id: int) -> None:
        self._lines = lines
        self._confirmation_id = confirmation_id
        self.error: ConfirmationFileError | None = None
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:  # type: ignore[override]
        out: list[str] = []
        try:
            for parsed in self._lines:
                out.append(
                    f"{self._confirmation_id}\t{parsed.line}\t{parsed.item_id}\t"
                    f"{parsed.policy_number}\t{parsed.core_policy_number}\t{parsed.amount}\n"
                )
                self.count += 1
                if self.count % PROGRESS_EVERY == 0:
                    _progress_set(self._confirmation_id, self.count)
                if len(out) >= 2000:
                    break
        except ConfirmationFileError as error:
            self.error = error
            raise
        return "".join(out)

    readline = read  # type: ignore[assignment]


# The export's items (a few indexed rows per agency batch, then each batch's items).
_EXPORT_ITEMS = """
    SELECT i.id, i.amount, i.policy_number FROM settlement_settlementitem i
    JOIN settlement_settlementbatch b ON b.id = i.batch_id WHERE b.export_id = %(export)s
"""
# Every difference, each once, from one pass over the export's items beside the file's lines.
_DIFFERENCES = (
    """
    INSERT INTO settlement_settlementmismatch (confirmation_id, kind, item_id, line_number,
        item_reference, policy_number, expected_amount, confirmed_amount)
    SELECT %(confirmation)s, k.kind, i.id, c.line_number, COALESCE(c.item_ref, i.id)::text,
           COALESCE(c.policy_number, i.policy_number), i.amount, c.amount
    FROM ("""  # noqa: S608 - constant SQL; values are parameters
    + _EXPORT_ITEMS
    + """) i
    FULL JOIN (SELECT item_ref, line_number, policy_number, amount
               FROM settlement_settlementconfirmationline
               WHERE confirmation_id = %(confirmation)s) c ON c.item_ref = i.id
    CROSS JOIN LATERAL (VALUES
        ('missing', c.item_ref IS NULL),
        ('extra', i.id IS NULL),
        ('amount', c.item_ref IS NOT NULL AND i.id IS NOT NULL AND c.amount <> i.amount),
        ('policy', c.item_ref IS NOT NULL AND i.id IS NOT NULL
                   AND c.policy_number <> i.policy_number)
    ) AS k(kind, found)
    WHERE k.found
    ORDER BY k.kind, c.line_number, i.id
    """
)
_SQL_STEPS = ["ANALYZE settlement_settlementconfirmationline", _DIFFERENCES]
_COUNTS = """
    SELECT
      (SELECT count(*) FROM settlement_settlementconfirmationline
       WHERE confirmation_id = %(confirmation)s),
      (SELECT coalesce(sum(amount), 0) FROM settlement_settlementconfirmationline
       WHERE confirmation_id = %(confirmation)s),
      count(*) FILTER (WHERE m.kind = 'missing'),
      count(*) FILTER (WHERE m.kind = 'extra'),
      count(DISTINCT m.item_id) FILTER (WHERE m.kind IN ('amount', 'policy'))
    FROM settlement_settlementmismatch m WHERE m.confirmation_id = %(confirmation)s
"""
# A batch is confirmed when none of its items has a difference in this confirmation.
_BATCH_STATES = """
    UPDATE settlement_settlementbatch b
    SET state = CASE WHEN EXISTS (
            SELECT 1 FROM settlement_settlementmismatch m
            JOIN settlement_settlementitem i ON i.id = m.item_id
            WHERE m.confirmation_id = %(confirmation)s AND i.batch_id = b.id)
        THEN 'discrepant' ELSE 'confirmed' END
    WHERE b.export_id = %(export)s
    RETURNING b.id, b.agency_id, b.state
"""


# Runs of one confirmation hold this advisory lock (with the confirmation's id) for their
# whole transaction; a worker that dies drops its connection and with it the lock, so "is
# anyone still on it?" is asked of PostgreSQL, not guessed from a clock.
CONFIRMATION_LOCK = 0x5E771F
_START = """
    UPDATE settlement_settlementconfirmation SET state = 'running', attempt = attempt + 1
    WHERE id = %(id)s AND state IN ('queued', 'running')
    RETURNING attempt
"""


class _Superseded(Exception):
    pass


def settlement_confirmation_apply(*, confirmation_id: int) -> bool:
    """Check and match a queued confirmation. Safe to run twice: a run that finds another
    one at work, or the confirmation decided, does nothing; a run killed half-way leaves
    nothing behind (one transaction) and the resume sweep queues the file again."""
    with connection.cursor() as cursor:
        cursor.execute(_START, {"id": confirmation_id})
        if cursor.fetchone() is None:
            return False
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)", [CONFIRMATION_LOCK, confirmation_id]
                )
                if not cursor.fetchone()[0]:
                    raise _Superseded
            confirmation = SettlementConfirmation.objects.select_related(
                "export", "imported_by"
            ).get(pk=confirmation_id)
            if confirmation.state != SettlementConfirmation.State.RUNNING:
                raise _Superseded
            _match(confirmation)
    except _Superseded:
        return False
    except ConfirmationFileError as error:
        _reject(confirmation_id, error)
    finally:
        _progress_set(confirmation_id, None)
    return True


def _progress_set(confirmation_id: int, count: int | None) -> None:
    """Show (or, with None, forget) the lines read so far; the count is for display only,
    so a Redis that does not answer does not stop the import."""
    try:
        if count is None:
            cache.delete(progress_key(confirmation_id))
        else:
            cache.set(progress_key(confirmation_id), count, 3600)
    except REDIS_UNAVAILABLE:
        pass


def confirmation_is_being_read(confirmation_id: int) -> bool:
    """Whether a live run holds the confirmation's lock."""
    # Taken and given back in one transaction: behind PgBouncer in transaction mode two
    # statements in autocommit may run on two server connections (decision 053).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [CONFIRMATION_LOCK, confirmation_id])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [CONFIRMATION_LOCK, confirmation_id]
            )
    return not free


def _open(confirmation: SettlementConfirmation) -> IO[str]:
    return open(  # noqa: SIM115 - closed by the caller's with
        private_storage().path(confirmation.file), encoding="utf-8", newline="", errors="strict"
    )


def _match(confirmation: SettlementConfirmation) -> None:
    export = SettlementExport.objects.select_for_update().get(pk=confirmation.export_id)
    params = {"export": export.pk, "confirmation": confirmation.pk}
    with _open(confirmation) as stream, connection.cursor() as cursor:
        source = _CopySource(
            confirmation_lines(_decoded(stream), export_number=export.number), confirmation.pk
        )
        try:
            cursor.cursor.copy_expert(
                "COPY settlement_settlementconfirmationline (confirmation_id, line_number, "
                "item_ref, policy_number, core_policy_number, amount) FROM STDIN",
                source,
                size=1 << 16,
            )
        except Exception:  # psycopg2 reports only that reading failed
            if source.error is not None:
                raise source.error from None
            raise
        for step in _SQL_STEPS:
            cursor.execute(step, params)
        cursor.execute(_COUNTS, params)
        lines, amount, missing, extra, differs = cursor.fetchone()
        before = dict(SettlementBatch.objects.filter(export=export).values_list("id", "state"))
        cursor.execute(_BATCH_STATES, params)
        batch_states = cursor.fetchall()
    matched = lines - extra - differs
    SettlementExport.objects.filter(pk=export.pk).update(confirmation=confirmation)
    SettlementConfirmation.objects.filter(pk=confirmation.pk).update(
        state=SettlementConfirmation.State.APPLIED,
        line_count=lines,
        matched_count=matched,
        missing_count=missing,
        extra_count=extra,
        differs_count=differs,
        confirmed_amount=amount,
        finished_at=timezone.now(),
    )
    audit_record(
        actor=confirmation.imported_by,
        action="settlement_confirmation.applied",
        target=confirmation,
        changes={
            "state": (SettlementConfirmation.State.RUNNING, SettlementConfirmation.State.APPLIED),
            "lines": (None, lines),
            "matched": (None, matched),
            "missing": (None, missing),
            "extra": (None, extra),
            "differs": (None, differs),
        },
    )
    audit_record(
        actor=confirmation.imported_by,
        action="settlement_export.confirmed",
        target=export,
        changes={"confirmation": (export.confirmation_id, confirmation.pk)},
    )
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                actor=confirmation.imported_by,
                actor_label=str(confirmation.imported_by or "settlement"),
                action="settlement_batch.confirmed"
                if state == SettlementBatch.State.CONFIRMED
                else "settlement_batch.discrepant",
                target_type=SettlementBatch._meta.label_lower,
                target_id=str(batch_id),
                agency_id=agency_id,
                changes={
                    "state": [before.get(batch_id), state],
                    "confirmation": [None, confirmation.pk],
                },
            )
            for batch_id, agency_id, state in batch_states
        ],
        batch_size=1000,
    )


def _decoded(stream: IO[str]) -> Iterator[str]:
    number = 0
    try:
        for number, text in enumerate(stream, start=1):  # noqa: B007 - read after the loop
            yield text
    except UnicodeDecodeError as error:
        raise ConfirmationFileError(number + 1, _("The file is not UTF-8 text.")) from error


def _reject(confirmation_id: int, error: ConfirmationFileError) -> None:
    with transaction.atomic():
        confirmation = SettlementConfirmation.objects.select_for_update().get(pk=confirmation_id)
        if confirmation.state != SettlementConfirmation.State.RUNNING:
            return
        confirmation.state = SettlementConfirmation.State.REJECTED
        confirmation.error_line = error.line or None
        confirmation.error = error.reason
        confirmation.finished_at = timezone.now()
        confirmation.save(update_fields=["state", "error_line", "error", "finished_at"])
        audit_record(
            actor=confirmation.imported_by,
            action="settlement_confirmation.rejected",
            target=confirmation,
            changes={
                "state": (
                    SettlementConfirmation.State.RUNNING,
                    SettlementConfirmation.State.REJECTED,
                ),
                "line": (None, error.line),
                "reason": (None, error.reason),
            },
        )


def settlement_confirmations_stale() -> list[int]:
    """Confirmations queued or started a while ago that no live run is reading."""
    candidates = SettlementConfirmation.objects.filter(
        state__in=(SettlementConfirmation.State.QUEUED, SettlementConfirmation.State.RUNNING),
        imported_at__lt=stale_before(),
    ).values_list("pk", flat=True)
    return [pk for pk in candidates if not confirmation_is_being_read(pk)]
