"""Premium inquiry (S-2.1): price a line's answers and keep the quote with its tariff version.

A quote is priced from the in-process catalog snapshot (policies.catalog_cache). With
``defer=True`` (the API and the pages) it is answered at once and written to PostgreSQL a
moment later: the quote waits in Redis (its payload under its id, and its id in a queue)
until ``quote_flush`` — a Celery beat task every few seconds, or the first read that needs
the row — stores it with its sales-record entry. Writing is idempotent (unique public id),
so a flush that runs twice, or a read racing a flush, stores each quote once. While Redis
is down a quote is stored at once, as without ``defer``; a quote still waiting in Redis
cannot be read then (``quote_get`` lets the error rise: "try again in a moment").

Quotes answered at the same moment in one process go to Redis together (``QuoteWriter``,
decision 057): a request is answered only once its quote is in Redis, so any process finds
a quote the moment it has been answered (decision 010).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.jalali import tehran
from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis import RedisUnavailable, redis_client
from policies.catalog_cache import line_snapshot
from policies.models import Line, Quote, SalesEvent
from policies.pricing import answers_clean, premium_calculate
from policies.services.events import SYSTEM, Origin

logger = logging.getLogger(__name__)

QUOTE_VALID_FOR = dt.timedelta(days=7)
PENDING_TTL_SECONDS = 24 * 3600  # far longer than a flush ever takes
FLUSH_BATCH = 500
WRITE_BATCH = 32  # at most this many quotes in one Redis round trip
WRITE_WAIT_SECONDS = 0.002  # longest a quote waits for others of the same moment
BUSY_SECONDS = 0.010  # another thread wrote this recently: more are likely to come
_STORE_LOCK = 0x51_07E5  # advisory lock of quote storage


def _key(*parts: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return ":".join([prefix, "policies", "quotes", *parts])


def _quote_priced(
    *, line: Line | str, answers: Mapping[str, Any], agency: Any, user: Any, origin: Origin
) -> Quote:
    """The quote for ``answers`` (not stored): refused with the line's or answers' errors."""
    code = line if isinstance(line, str) else line.code
    snapshot = line_snapshot(code)
    agency_id = agency.pk if agency is not None else None
    if snapshot is None or not snapshot.sellable(agency_id):
        raise ValidationError(
            {"line": [_("This insurance is not sold on this site.")]}, code="line"
        )
    cleaned = answers_clean(line=snapshot.line, answers=answers, questions=snapshot.questions)
    now = timezone.now()
    rules = snapshot.rules_for(agency_id=agency_id, on=timezone.localdate(now, tehran()))
    pricing = premium_calculate(version=snapshot.version, answers=cleaned, rules=rules)
    user = user if getattr(user, "is_authenticated", False) else None
    return Quote(
        public_id=uuid.uuid4(),
        line=snapshot.line,
        tariff_version=snapshot.version,
        answers=cleaned,
        premium=pricing.premium,
        breakdown=pricing.breakdown_json(),
        term_days=pricing.term_days,
        agency_id=agency_id,
        user=user,
        ip_address=origin.ip_address,
        created_at=now,
        expires_at=now + QUOTE_VALID_FOR,
    )


class QuoteWriter:
    """Puts deferred quotes in Redis, those of one moment in one round trip (group commit).

    A request that has priced its quote hands it over and waits until it is in Redis, so
    its answer never goes out before any process could read the quote. The oldest quote
    handed over leads: its thread waits — at most ``WRITE_WAIT_SECONDS`` — for the other
    quotes this process is pricing right now, or, while other threads of the process have
    written in the last ``BUSY_SECONDS`` (a threaded server under load), for the quotes of
    the next moment; then it sends them all in one pipeline (their payloads and one push of
    their ids on the queue). Alone in the process (a sync worker, a page at a quiet time)
    the quote is written at once, as before.

    Each waiting thread sleeps on its own condition and is woken only when its quote is
    written or it becomes the leader (one wake-up each), not on every hand-over: with eight
    threads, waking them all at each step cost as much CPU as the round trips saved.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[_HandedOver] = []
        self._pricing = 0  # requests between ``enter`` and their hand-over
        self._writing = False
        self._threads: dict[int, float] = {}  # thread → when it last handed a quote over
        self.round_trips = 0
        self.written = 0

    def enter(self) -> _Ticket:
        """Count a request that is about to price a quote: the writer waits for it."""
        with self._lock:
            self._pricing += 1
        return _Ticket()

    def leave(self, ticket: _Ticket) -> None:
        """The request ends without handing a quote over (bad answers): stop waiting for it."""
        if ticket.handed_over:
            return
        ticket.handed_over = True
        with self._lock:
            self._pricing -= 1
            self._wake_leader(only_if_due=True)

    def write(self, ticket: _Ticket, public_id: str, payload: str) -> Exception | None:
        """Put the quote in Redis; returns the error if Redis did not take it."""
        mine = _HandedOver(public_id, payload, threading.Condition(self._lock))
        with self._lock:
            ticket.handed_over = True
            self._pricing -= 1
            self._waiting.append(mine)
            now = time.monotonic()
            deadline = now + WRITE_WAIT_SECONDS
            company = self._others_busy(now)
            self._wake_leader(only_if_due=True)
            while True:
                if mine.done:
                    return mine.error
                if self._writing or self._waiting[0] is not mine:
                    mine.wake.wait()  # until written, or until this quote leads
                    continue
                remaining = deadline - time.monotonic()
                if (
                    (self._pricing <= 0 and not company)
                    or len(self._waiting) >= WRITE_BATCH
                    or remaining <= 0
                ):
                    batch, self._waiting = self._waiting[:WRITE_BATCH], self._waiting[WRITE_BATCH:]
                    self._writing = True
                    break
                mine.wake.wait(remaining)
        # Until the pipeline has gone through, the batch counts as not written: should it
        # fail in any way, the others store their quotes at once rather than wait.
        error: Exception | None = RuntimeError("the quotes were not put in Redis")
        try:
            pipe = redis_client().pipeline(transaction=False)
            for item in batch:
                pipe.set(_key("pending", item.public_id), item.payload, ex=PENDING_TTL_SECONDS)
            pipe.rpush(_key("queue"), *(item.public_id for item in batch))
            pipe.execute()
            error = None
        except REDIS_UNAVAILABLE as failure:
            error = failure
        finally:
            with self._lock:
                for item in batch:
                    item.done, item.error = True, error
                    item.wake.notify()
                self._writing = False
                self.round_trips += 1
                self.written += len(batch) if error is None else 0
                self._wake_leader()
        return mine.error

    def _wake_leader(self, *, only_if_due: bool = False) -> None:
        """Let the oldest waiting quote's thread look again whether to write (the caller
        holds the lock). With ``only_if_due`` (a hand-over) only when it may now write
        before its deadline: nobody is pricing any more, or the batch is full; otherwise
        it sleeps on until its deadline."""
        if not self._waiting or self._writing:
            return
        if only_if_due and self._pricing > 0 and len(self._waiting) < WRITE_BATCH:
            return
        self._waiting[0].wake.notify()

    def _others_busy(self, now: float) -> bool:
        """Whether another thread of this process handed a quote over a moment ago (the
        caller holds the lock)."""
        me = threading.get_ident()
        self._threads[me] = now
        if len(self._threads) > 256:  # threads come and go in some servers: forget old ones
            self._threads = {t: at for t, at in self._threads.items() if now - at < 1}
        return any(t != me and now - at < BUSY_SECONDS for t, at in self._threads.items())


class _Ticket:
    __slots__ = ("handed_over",)

    def __init__(self) -> None:
        self.handed_over = False


class _HandedOver:
    __slots__ = ("done", "error", "payload", "public_id", "wake")
    done: bool
    error: Exception | None

    def __init__(self, public_id: str, payload: str, wake: threading.Condition) -> None:
        self.public_id, self.payload, self.wake = public_id, payload, wake
        self.done, self.error = False, None


quote_writer = QuoteWriter()


def quote_create(
    *,
    line: Line | str,
    answers: Mapping[str, Any],
    agency: Any,
    user: Any = None,
    origin: Origin = SYSTEM,
    defer: bool = False,
) -> Quote:
    """Price ``answers`` for ``line`` (a Line or its code) on this site (``agency`` None =
    the main site). With ``defer`` the returned quote is not in the database yet: read it
    back with ``quote_get`` (from any process, as soon as this returns)."""
    if not defer:
        quote = _quote_priced(line=line, answers=answers, agency=agency, user=user, origin=origin)
        return _store([_payload(quote, origin=origin)])[0]
    ticket = quote_writer.enter()
    try:
        quote = _quote_priced(line=line, answers=answers, agency=agency, user=user, origin=origin)
        payload = _payload(quote, origin=origin)
        error = quote_writer.write(ticket, str(quote.public_id), json.dumps(payload))
    finally:
        quote_writer.leave(ticket)
    if error is None:
        return quote
    # Redis down: stored at once instead (slower, never lost). Should the queue have taken
    # it after all, the flush finds it stored and leaves it alone.
    level = logging.DEBUG if isinstance(error, RedisUnavailable) else logging.WARNING
    logger.log(level, "Quote %s stored at once, Redis unavailable: %s", quote.public_id, error)
    return _store([payload])[0]


def _payload(quote: Quote, *, origin: Origin) -> dict[str, Any]:
    return {
        "public_id": str(quote.public_id),
        "line_id": quote.line_id,
        "line": quote.line.code,
        "tariff_version_id": quote.tariff_version_id,
        "version": quote.tariff_version.number,
        "answers": quote.answers,
        "premium": str(quote.premium),
        "breakdown": quote.breakdown,
        "term_days": quote.term_days,
        "agency_id": quote.agency_id,
        "user_id": quote.user_id,
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent[:300],
        "created_at": quote.created_at.isoformat() if quote.created_at else None,
        "expires_at": quote.expires_at.isoformat(),
    }


def _store(payloads: list[dict[str, Any]]) -> list[Quote]:
    """Write quotes and their sales-record entries; quotes already stored are left alone."""
    ids = [uuid.UUID(p["public_id"]) for p in payloads]
    with transaction.atomic():
        # One writer at a time: a flush and a read storing the same quote would otherwise
        # both see it missing and record its sales-record entry twice.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STORE_LOCK])
        existing = set(Quote.objects.filter(public_id__in=ids).values_list("public_id", flat=True))
        new = [p for p in payloads if uuid.UUID(p["public_id"]) not in existing]
        Quote.objects.bulk_create(
            [
                Quote(
                    public_id=uuid.UUID(p["public_id"]),
                    line_id=p["line_id"],
                    tariff_version_id=p["tariff_version_id"],
                    answers=p["answers"],
                    premium=Decimal(p["premium"]),
                    breakdown=p["breakdown"],
                    term_days=p["term_days"],
                    agency_id=p["agency_id"],
                    user_id=p["user_id"],
                    ip_address=p["ip_address"],
                    expires_at=parse_datetime(p["expires_at"]) or timezone.now(),
                )
                for p in new
            ],
            ignore_conflicts=True,
        )
        stored = {quote.public_id: quote for quote in Quote.objects.filter(public_id__in=ids)}
        SalesEvent.objects.bulk_create(
            [
                SalesEvent(
                    event="quote_created",
                    quote=stored[uuid.UUID(p["public_id"])],
                    agency_id=p["agency_id"],
                    actor_id=p["user_id"],
                    actor_label="customer" if p["user_id"] else "visitor",
                    ip_address=p["ip_address"],
                    user_agent=p.get("user_agent", ""),
                    data={
                        "line": p["line"],
                        "premium": p["premium"],
                        "version": p["version"],
                        "quoted_at": p["created_at"],
                    },
                )
                for p in new
            ]
        )
    return [stored[i] for i in ids]


def quote_get(*, public_id: Any, agency: Any) -> Quote | None:
    """A quote made on this site, stored now if it was still waiting in Redis."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    agency_id: int | None = agency.pk if agency is not None else None
    quote = (
        Quote.objects.select_related("line", "tariff_version")
        .filter(public_id=public_id, agency=agency)
        .first()
    )
    if quote is not None:
        return quote
    raw = redis_client().get(_key("pending", str(public_id)))
    if raw is None:
        return None
    payload = json.loads(raw)
    if payload["agency_id"] != agency_id:
        return None
    _store([payload])
    return (
        Quote.objects.select_related("line", "tariff_version").filter(public_id=public_id).first()
    )


def quote_flush(*, batch: int = FLUSH_BATCH) -> int:
    """Store the quotes waiting in Redis; returns how many were read from the queue.

    Ids leave the queue only after their rows are committed, so a crash repeats a batch
    (harmless) rather than losing it; a lock keeps two flushes from working at once.
    """
    client = redis_client()
    lock = client.lock(_key("flush-lock"), timeout=60, blocking_timeout=0)
    if not lock.acquire(blocking=False):
        return 0
    done = 0
    try:
        while True:
            ids = [
                i.decode() if isinstance(i, bytes) else i
                for i in client.lrange(_key("queue"), 0, batch - 1)
            ]
            if not ids:
                break
            raws = client.mget([_key("pending", i) for i in ids])
            payloads = [json.loads(raw) for raw in raws if raw is not None]
            if payloads:
                _store(payloads)
            client.ltrim(_key("queue"), len(ids), -1)
            client.delete(*[_key("pending", i) for i in ids])
            done += len(ids)
    finally:
        lock.release()
    return done
