"""An agency's automated and bulk messages: queued in one statement with their charge,
drained in provider-sized batches, followed to their delivery report (decision 036).

Exactly once, end to end:
- ``sms_outbox_add`` charges the credit and inserts the rows in one transaction: a send
  the credit does not cover queues nothing, and a caller that records its own "already
  sent" row (a contact pattern's occurrence) commits it with the messages or not at all.
- The drain claims due rows with ``FOR UPDATE SKIP LOCKED`` (``queued → sending``), so two
  workers never take the same row; it hands the batch to the provider with each row's id as
  the provider's local id, then records the answers. A worker killed in between leaves the
  rows ``sending``; after ``CLAIM_TIMEOUT`` they are queued again and sent with the same
  local ids, which the provider answers without delivering twice.
- A refund is written in the transaction that moves a row to failed or blocked, guarded by
  the row's ``refunded`` flag: once per message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.dispatch import signal_send_robust
from core.models import SmsAccount, SmsInbound, SmsMessage
from core.sms.base import (
    FINAL_STATUSES,
    DeliveryStatus,
    OutgoingSms,
    SmsBackend,
    TransientSmsError,
    get_backend,
)
from core.sms.credit import credit_charge, credit_refund, sms_account
from core.sms.parts import Line, sms_part_price, sms_parts
from core.sms.signals import sms_received
from core.sms.windows import window_open_at
from core.text import normalize_text
from core.validators import normalize_mobile

logger = logging.getLogger(__name__)

INSERT_CHUNK = 5000
# A claim older than this belonged to a worker that died: the rows are queued again
# (``SMS_CLAIM_TIMEOUT_SECONDS``, read when releasing; this is the default).
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
MAX_BACKOFF = dt.timedelta(minutes=10)
# Delivery reports: asked for again at most this often, and for this long after sending.
REPORT_EVERY = dt.timedelta(seconds=30)
REPORT_FOR = dt.timedelta(days=3)
REPORT_CHUNK = 100
# Replies that ask for no more advertising (normalised, spaces removed).
OPT_OUT_WORDS = ("لغو", "stop", "off", "cancel")


@dataclass(frozen=True)
class OutboxItem:
    to: str  # an Iranian mobile, any spelling (normalised here)
    body: str
    customer_id: int | None = None


@dataclass(frozen=True)
class OutboxResult:
    ids: list[int]
    messages: int
    parts: int
    cost: Decimal
    not_before: dt.datetime


def sms_outbox_add(
    *,
    agency_id: int,
    items: Sequence[OutboxItem],
    line: str,
    kind: str,
    source: str,
    actor_id: int | None = None,
    actor_label: str = "",
    not_before: dt.datetime | None = None,
    charge: bool = True,
    now: dt.datetime | None = None,
) -> OutboxResult:
    """Queue ``items`` for the agency and charge its credit, in one transaction.

    A promotional message waits for the agency's window. Raises ``InsufficientSmsCredit``
    (nothing queued) when the credit is short, ``ValidationError`` for an empty text or a
    number that is not a mobile. Sending starts once the caller's transaction commits.
    ``now`` is the caller's clock when it is not the real one (a replayed day, a test).
    """
    if line not in Line.values:
        raise ValueError(f"unknown SMS line {line!r}")
    numbers, bodies, parts, customers = [], [], [], []
    for item in items:
        size = sms_parts(item.body)
        if not size:
            raise ValidationError("empty SMS text", code="empty")
        numbers.append(normalize_mobile(item.to))
        bodies.append(item.body)
        parts.append(size)
        customers.append(item.customer_id)
    now = now or timezone.now()
    account = sms_account(agency_id)
    due = window_open_at(
        max(not_before or now, now), line=line, start=account.window_start, end=account.window_end
    )
    total_parts = sum(parts)
    price = sms_part_price(line) if charge else Decimal(0)
    ids: list[int] = []
    with transaction.atomic():
        if charge and total_parts:
            credit_charge(
                agency_id=agency_id,
                amount=price * total_parts,
                messages=len(numbers),
                parts=total_parts,
                source=source,
                actor_id=actor_id,
                actor_label=actor_label,
            )
        with connection.cursor() as cursor:
            for start in range(0, len(numbers), INSERT_CHUNK):
                end = start + INSERT_CHUNK
                cursor.execute(
                    'INSERT INTO core_smsmessage ("to", body, kind, sensitive, agency_id, status, '
                    "line, batched, not_before, parts, cost, refunded, customer_id, source, "
                    "actor_id, backend, provider_message_id, attempts, last_error, created_at) "
                    "SELECT t.number, t.body, %s, false, %s, 'queued', %s, true, %s, t.parts, "
                    "t.parts * %s, false, t.customer, %s, %s, '', '', 0, '', %s "
                    "FROM unnest(%s::varchar[], %s::text[], %s::smallint[], %s::bigint[]) "
                    "WITH ORDINALITY AS t(number, body, parts, customer, n) ORDER BY t.n "
                    "RETURNING id",
                    [
                        kind,
                        agency_id,
                        line,
                        due,
                        price,
                        source[:60],
                        actor_id,
                        now,
                        numbers[start:end],
                        bodies[start:end],
                        parts[start:end],
                        customers[start:end],
                    ],
                )
                ids.extend(row[0] for row in cursor.fetchall())
        if ids:
            sms_drain_kick(due=due)
    return OutboxResult(
        ids=ids, messages=len(ids), parts=total_parts, cost=price * total_parts, not_before=due
    )


def sms_drain_kick(*, due: dt.datetime | None = None) -> None:
    """Start draining after the commit (now, or at ``due``); beat drains every minute too."""
    from core.queue import enqueue_on_commit
    from core.tasks import sms_drain

    if due is not None and due > timezone.now() + dt.timedelta(seconds=1):
        return  # beat's minute drain picks it up when due
    for _ in range(max(1, settings.SMS_DRAIN_PARALLEL)):
        enqueue_on_commit(sms_drain)


def sms_outbox_cancel(*, agency_id: int, source: str) -> int:
    """Cancel the messages of ``source`` still waiting (a scheduled send called off) and
    refund them; returns how many."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_smsmessage SET status = 'cancelled', refunded = true "
                "WHERE agency_id = %s AND source = %s AND status = 'queued' AND batched "
                "RETURNING cost, parts, refunded",
                [agency_id, source],
            )
            rows = cursor.fetchall()
        amount = sum((row[0] for row in rows), Decimal(0))
        credit_refund(
            agency_id=agency_id,
            amount=amount,
            messages=len(rows),
            parts=sum(row[1] for row in rows),
            source=source,
        )
    return len(rows)


def sms_outbox_cancel_to(*, agency_id: int, to: str, line: str = Line.PROMOTIONAL) -> int:
    """Cancel and refund the agency's messages to ``to`` on ``line`` still waiting (a
    customer who asked to stop gets nothing queued before the request); returns how many."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_smsmessage SET status = 'cancelled', refunded = true "
                "WHERE agency_id = %s AND \"to\" = %s AND line = %s AND status = 'queued' "
                "AND batched RETURNING cost, parts",
                [agency_id, normalize_mobile(to), line],
            )
            rows = cursor.fetchall()
        credit_refund(
            agency_id=agency_id,
            amount=sum((row[0] for row in rows), Decimal(0)),
            messages=len(rows),
            parts=sum(row[1] for row in rows),
            source="opt-out",
        )
    return len(rows)


# --- Draining ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: str
    body: str
    line: str
    agency_id: int | None
    attempts: int


def sms_release_stale(*, now: dt.datetime | None = None) -> int:
    """Queue again the rows a dead worker left claimed (their local ids make it safe)."""
    now = now or timezone.now()
    timeout = dt.timedelta(seconds=settings.SMS_CLAIM_TIMEOUT_SECONDS)
    return SmsMessage.objects.filter(
        batched=True, status=SmsMessage.Status.SENDING, claimed_at__lt=now - timeout
    ).update(status=SmsMessage.Status.QUEUED)


def sms_claim(*, limit: int, now: dt.datetime | None = None) -> list[_Claimed]:
    """Claim up to ``limit`` due rows (``queued → sending``), oldest due first."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_smsmessage m SET status = 'sending', claimed_at = %s, "
            "attempts = m.attempts + 1 FROM (SELECT id FROM core_smsmessage "
            "WHERE status = 'queued' AND batched AND not_before <= %s "
            "ORDER BY not_before, id LIMIT %s FOR UPDATE SKIP LOCKED) due "
            'WHERE m.id = due.id RETURNING m.id, m."to", m.body, m.line, m.agency_id, m.attempts',
            [now, now, limit],
        )
        rows = cursor.fetchall()
    return sorted((_Claimed(*row) for row in rows), key=lambda row: row.id)


def _outside_window(claimed: list[_Claimed], now: dt.datetime) -> dict[int, dt.datetime]:
    """Promotional rows whose agency's window is closed now, with when it opens."""
    promotional = [row for row in claimed if row.line == Line.PROMOTIONAL]
    if not promotional:
        return {}
    accounts = {
        account.agency_id: account
        for account in SmsAccount.objects.filter(
            agency_id__in={row.agency_id for row in promotional}
        )
    }
    waiting = {}
    for row in promotional:
        account = accounts.get(row.agency_id or 0)
        opens = window_open_at(
            now,
            line=row.line,
            **({"start": account.window_start, "end": account.window_end} if account else {}),
        )
        if opens != now:
            waiting[row.id] = opens
    return waiting


def sms_drain_batch(*, backend: SmsBackend | None = None) -> int:
    """Claim one batch, send it and record the answers; returns how many rows were claimed
    (0: nothing is due)."""
    backend = backend or get_backend()
    now = timezone.now()
    claimed = sms_claim(limit=backend.max_batch, now=now)
    if not claimed:
        return 0
    waiting = _outside_window(claimed, now)
    if waiting:
        for row_id, opens in waiting.items():
            SmsMessage.objects.filter(pk=row_id, status=SmsMessage.Status.SENDING).update(
                status=SmsMessage.Status.QUEUED, not_before=opens, attempts=0
            )
        claimed = [row for row in claimed if row.id not in waiting]
    by_line: dict[str, list[_Claimed]] = defaultdict(list)
    for row in claimed:
        by_line[row.line].append(row)
    for line, rows in by_line.items():
        _send(backend, line, rows)
    return len(claimed) + len(waiting)


def _send(backend: SmsBackend, line: str, rows: list[_Claimed]) -> None:
    outgoing = [OutgoingSms(str(row.id), row.to, row.body, line) for row in rows]
    try:
        results = backend.send_batch(outgoing)
    except TransientSmsError as error:
        _retry_later(backend, rows, str(error) or error.__class__.__name__)
        return
    by_id = {result.local_id: result for result in results}
    updates: list[tuple[int, str, str, str]] = []
    for row in rows:
        result = by_id.get(str(row.id))
        if result is None:
            updates.append((row.id, str(DeliveryStatus.FAILED), "", "no answer for this number"))
        else:
            updates.append((row.id, result.status, result.provider_message_id, result.error))
    _record(backend.name, updates)


def _retry_later(backend: SmsBackend, rows: list[_Claimed], error: str) -> None:
    now = timezone.now()
    give_up = [row.id for row in rows if row.attempts >= MAX_ATTEMPTS]
    if give_up:
        _record(backend.name, [(row_id, DeliveryStatus.FAILED, "", error) for row_id in give_up])
    soonest: dt.timedelta | None = None
    for row in rows:
        if row.attempts >= MAX_ATTEMPTS:
            continue
        wait = min(dt.timedelta(seconds=2 ** (row.attempts + 1)), MAX_BACKOFF)
        soonest = wait if soonest is None else min(soonest, wait)
        SmsMessage.objects.filter(pk=row.id, status=SmsMessage.Status.SENDING).update(
            status=SmsMessage.Status.QUEUED,
            not_before=now + wait,
            last_error=error[:500],
            backend=backend.name,
        )
    logger.info("SMS batch of %s not sent (%s): %s", len(rows), backend.name, error)
    if soonest is not None:
        _drain_later(soonest)


def _drain_later(wait: dt.timedelta) -> None:
    """A drain when the retried batch is due, rather than at beat's next minute; a broker
    that cannot be reached leaves it to beat."""
    from kombu.exceptions import OperationalError

    from core.tasks import sms_drain

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tests drain by hand; an eager run now would find nothing due
    try:
        sms_drain.apply_async(countdown=wait.total_seconds() + 0.5)
    except OperationalError as error:
        logger.warning("Retry drain not scheduled (%s); beat drains each minute", error)


def _record(backend_name: str, updates: list[tuple[int, str, str, str]]) -> None:
    """Write each claimed row's answer (only rows still ``sending``) and refund the refused."""
    if not updates:
        return
    now = timezone.now()
    ids, statuses, provider_ids, errors = (list(column) for column in zip(*updates, strict=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_smsmessage m SET status = v.status, provider_message_id = v.pid, "
            "last_error = v.error, backend = %s, sent_at = %s, status_checked_at = %s, "
            "reported_at = CASE WHEN v.status = 'sent' THEN NULL ELSE %s END "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::text[]) "
            "AS v(id, status, pid, error) WHERE m.id = v.id AND m.status = 'sending'",
            [backend_name, now, now, now, ids, statuses, provider_ids, errors],
        )
        _refund_refused(cursor, ids)


def _refund_refused(cursor, ids: Iterable[int]) -> None:
    """Refund, once, the rows among ``ids`` that the provider refused."""
    cursor.execute(
        "UPDATE core_smsmessage SET refunded = true WHERE id = ANY(%s) AND NOT refunded "
        "AND cost > 0 AND status IN ('failed', 'blacklisted') RETURNING agency_id, cost, parts",
        [list(ids)],
    )
    totals: dict[int, list] = defaultdict(lambda: [Decimal(0), 0, 0])
    for agency_id, cost, parts in cursor.fetchall():
        total = totals[agency_id]
        total[0] += cost
        total[1] += 1
        total[2] += parts
    for agency_id, (amount, messages, parts) in totals.items():
        credit_refund(
            agency_id=agency_id, amount=amount, messages=messages, parts=parts, source="refused"
        )


# --- Delivery reports ---------------------------------------------------------------------


def sms_reports_poll(*, backend: SmsBackend | None = None, limit: int = 2000) -> int:
    """Ask the provider about sent messages not heard of for ``REPORT_EVERY``; returns how
    many reports changed a status."""
    backend = backend or get_backend()
    now = timezone.now()
    rows = list(
        SmsMessage.objects.filter(
            status=SmsMessage.Status.SENT,
            batched=True,
            status_checked_at__lt=now - REPORT_EVERY,
            sent_at__gte=now - REPORT_FOR,
        )
        .exclude(provider_message_id="")
        .order_by("status_checked_at", "id")
        .values_list("id", "provider_message_id")[:limit]
    )
    changed = 0
    for start in range(0, len(rows), REPORT_CHUNK):
        chunk = rows[start : start + REPORT_CHUNK]
        by_provider_id = {provider_id: row_id for row_id, provider_id in chunk}
        try:
            reports = backend.statuses(list(by_provider_id))
        except TransientSmsError as error:
            logger.info("SMS reports not read (%s): %s", backend.name, error)
            break
        finals = [
            (by_provider_id[report.provider_message_id], report.status)
            for report in reports
            if report.status in FINAL_STATUSES and report.provider_message_id in by_provider_id
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_smsmessage SET status_checked_at = %s WHERE id = ANY(%s)",
                [now, [row_id for row_id, _pid in chunk]],
            )
            if finals:
                cursor.execute(
                    "UPDATE core_smsmessage m SET status = v.status, reported_at = %s "
                    "FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, status) "
                    "WHERE m.id = v.id AND m.status = 'sent'",
                    [now, [row[0] for row in finals], [row[1] for row in finals]],
                )
                changed += cursor.rowcount
                _refund_refused(cursor, [row[0] for row in finals])
    return changed


# --- Inbound --------------------------------------------------------------------------------


def is_opt_out(body: str) -> bool:
    text = normalize_text(body).replace(" ", "").replace("\u200c", "").lower()
    return any(text.startswith(word) for word in OPT_OUT_WORDS)


def _sender(value: str) -> str:
    try:
        return normalize_mobile(value)
    except ValidationError:
        return value[:20]


def sms_inbound_poll(*, backend: SmsBackend | None = None) -> list[int]:
    """Read the provider's new inbound messages into ``SmsInbound``; each is announced once
    (``core.sms.signals.sms_received``) after it commits. Returns the new rows' ids."""
    backend = backend or get_backend()
    created: list[int] = []
    for message in backend.inbound():
        sender = _sender(message.sender)
        agency_id = (
            SmsMessage.objects.filter(to=sender, agency_id__isnull=False)
            .order_by("-created_at", "-id")
            .values_list("agency_id", flat=True)
            .first()
        )
        try:
            with transaction.atomic():
                inbound = SmsInbound.objects.create(
                    backend=backend.name,
                    provider_id=message.provider_id,
                    sender=sender,
                    line_number=message.line_number[:30],
                    body=message.body,
                    received_at=message.received_at,
                    agency_id=agency_id,
                    opt_out=is_opt_out(message.body),
                )
        except IntegrityError:
            continue  # read before: already announced
        created.append(inbound.pk)
        transaction.on_commit(partial(_announce, inbound))
    return created


def _announce(inbound: SmsInbound) -> None:
    signal_send_robust(
        sms_received,
        name="sms_received",
        sender=SmsInbound,
        about={"inbound_id": inbound.pk},
        inbound=inbound,
    )
