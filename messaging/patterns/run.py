"""The day's run of an agency's contact patterns, and the preview of tomorrow's (decision 037).

Each chunk of due subjects is decided in one transaction: the decisions are inserted with
``ON CONFLICT DO NOTHING`` on (pattern, subject, occurrence) and only the rows this run
inserted get a message, queued by ``sms_outbox_add`` (which charges the credit) in the same
transaction. A repeated run, a second beat or a run racing another finds the decisions taken
and queues nothing; a worker killed mid-chunk rolls the chunk back whole, and the next run
decides it again. A subject held back by the per-customer daily cap is not decided: it
comes back on the next run, within the catch-up days.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection
from django.utils import timezone

from core.jalali import tehran
from core.models import SmsMessage
from core.sms.credit import InsufficientSmsCredit, sms_account
from core.sms.outbox import OutboxItem, sms_outbox_add
from core.sms.parts import sms_cost, sms_parts
from crm.services.base import agency_write
from crm.tenancy import schema_require
from messaging.patterns.events import Candidate, candidates
from messaging.patterns.models import PatternOccurrence, SmsPattern
from messaging.rendering import AgencyFacts, Missing, Subject, agency_facts, compile_template

logger = logging.getLogger(__name__)

CHUNK = 500
SOURCE_PREFIX = "pattern:"
Reason = PatternOccurrence.Reason


@dataclass
class Decision:
    candidate: Candidate
    text: str = ""
    reason: str = ""
    detail: str = ""

    @property
    def sends(self) -> bool:
        return not self.reason


@dataclass
class RunSummary:
    sent: int = 0
    skipped: int = 0
    deferred: int = 0  # held back by the daily cap, decided on a later run
    parts: int = 0
    cost: Decimal = Decimal(0)
    credit_short: bool = False
    by_pattern: dict[int, int] = field(default_factory=dict)


def _decide(candidate: Candidate, compiled: Any, facts: AgencyFacts) -> Decision:
    customer = candidate.customer
    if customer.merged_into_id:
        return Decision(candidate, reason=Reason.MERGED)
    if not customer.mobile:
        return Decision(candidate, reason=Reason.NO_MOBILE)
    if customer.sms_opted_out_at:
        return Decision(candidate, reason=Reason.OPTED_OUT)
    if not customer.sms_consent:
        return Decision(candidate, reason=Reason.NO_CONSENT)
    text = compiled.render(
        Subject(
            customer=customer,
            agency=facts,
            policy=candidate.policy,
            cheque=candidate.cheque,
            activity=candidate.activity,
            claim=candidate.claim,
        )
    )
    if isinstance(text, Missing):
        return Decision(candidate, reason=Reason.MISSING, detail="، ".join(text.labels)[:200])
    return Decision(candidate, text=text)


def _chunks(items: Iterable[Candidate], size: int) -> Iterator[list[Candidate]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _undecided(pattern: SmsPattern, chunk: list[Candidate]) -> list[Candidate]:
    taken = set(
        PatternOccurrence.objects.filter(
            pattern=pattern, subject_id__in=[candidate.id for candidate in chunk]
        ).values_list("subject_kind", "subject_id", "occurrence")
    )
    return [c for c in chunk if (c.kind, c.id, c.occurrence) not in taken]


def _sent_today(agency_id: int, customer_ids: list[int], day: dt.date) -> Counter[int]:
    """Automated messages each customer has for ``day`` (Tehran): those queued by earlier
    chunks and runs of the day, by the day they go out."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tehran())
    rows = (
        SmsMessage.objects.filter(
            agency_id=agency_id,
            customer_id__in=customer_ids,
            created_at__gte=start - dt.timedelta(days=1),
            not_before__gte=start,
            not_before__lt=start + dt.timedelta(days=1),
            source__startswith=SOURCE_PREFIX,
        )
        .exclude(status=SmsMessage.Status.CANCELLED)
        .values_list("customer_id", flat=True)
    )
    return Counter(customer_id for customer_id in rows if customer_id is not None)


def _facts_for(agency: Any, run_date: dt.date) -> AgencyFacts:
    from crm.models import BookPolicy

    codes = BookPolicy.objects.order_by().values_list("line_code", flat=True).distinct()
    facts = agency_facts(agency, line_codes=list(codes))
    facts.today = run_date
    return facts


def patterns_run(
    *, agency: Any, run_date: dt.date | None = None, now: dt.datetime | None = None
) -> RunSummary:
    """Decide and queue the day's messages of every active pattern of ``agency``. ``now``
    (a replay's or a test's clock) also decides when the outbox may send them."""
    schema_require(agency)
    clock = now
    now = now or timezone.now()
    run_date = run_date or now.astimezone(tehran()).date()
    summary = RunSummary()
    patterns = list(SmsPattern.objects.filter(is_active=True).select_related("template"))
    if not patterns:
        return summary
    account = sms_account(agency.pk)
    cap = account.automated_daily_cap or 1
    facts = _facts_for(agency, run_date)
    for pattern in patterns:
        if not pattern.template.is_active:
            continue
        compiled = compile_template(pattern.template.body)
        send_at = max(now, dt.datetime.combine(run_date, pattern.send_time, tzinfo=tehran()))
        for chunk in _chunks(candidates(pattern, run_date), CHUNK):
            try:
                _run_chunk(
                    agency=agency,
                    pattern=pattern,
                    chunk=chunk,
                    compiled=compiled,
                    facts=facts,
                    run_date=run_date,
                    send_at=send_at,
                    cap=cap,
                    summary=summary,
                    clock=clock,
                )
            except InsufficientSmsCredit:
                logger.warning("Patterns of %s stopped: credit short", agency.schema_name)
                summary.credit_short = True
                return summary
    return summary


def _run_chunk(
    *,
    agency: Any,
    pattern: SmsPattern,
    chunk: list[Candidate],
    compiled: Any,
    facts: AgencyFacts,
    run_date: dt.date,
    send_at: dt.datetime,
    cap: int,
    summary: RunSummary,
    clock: dt.datetime | None = None,
) -> None:
    with agency_write(agency):
        chunk = _undecided(pattern, chunk)
        if not chunk:
            return
        decisions = [_decide(candidate, compiled, facts) for candidate in chunk]
        sending_customers = [d.candidate.customer.pk for d in decisions if d.sends]
        earlier = _sent_today(agency.pk, sending_customers, run_date) if sending_customers else {}
        counted: Counter[int] = Counter()
        kept: list[Decision] = []
        deferred = 0
        for decision in decisions:
            if decision.sends:
                customer_id = decision.candidate.customer.pk
                if earlier.get(customer_id, 0) + counted[customer_id] >= cap:
                    deferred += 1
                    continue
                counted[customer_id] += 1
            kept.append(decision)
        inserted = _insert_decisions(pattern, kept, run_date)
        to_send = [
            d
            for d in kept
            if d.sends and (d.candidate.kind, d.candidate.id, d.candidate.occurrence) in inserted
        ]
        if to_send:
            result = sms_outbox_add(
                agency_id=agency.pk,
                items=[
                    OutboxItem(d.candidate.customer.mobile, d.text, d.candidate.customer.pk)
                    for d in to_send
                ],
                line=pattern.line,
                kind="pattern",
                source=f"{SOURCE_PREFIX}{pattern.pk}",
                not_before=send_at,
                now=clock,
            )
            _link_messages(pattern, to_send, result.ids)
            summary.parts += result.parts
            summary.cost += result.cost
    summary.sent += len(to_send)
    summary.skipped += sum(
        1
        for d in kept
        if not d.sends and (d.candidate.kind, d.candidate.id, d.candidate.occurrence) in inserted
    )
    summary.deferred += deferred
    summary.by_pattern[pattern.pk] = summary.by_pattern.get(pattern.pk, 0) + len(to_send)


def _insert_decisions(
    pattern: SmsPattern, decisions: list[Decision], run_date: dt.date
) -> set[tuple[str, int, str]]:
    """Insert the decisions not taken yet; returns the keys this call inserted."""
    if not decisions:
        return set()
    table = PatternOccurrence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (pattern_id, subject_kind, subject_id, occurrence, "  # noqa: S608
            "customer_id, outcome, reason, detail, run_date, decided_at) "
            "SELECT %s, t.kind, t.id, t.occurrence, t.customer, t.outcome, t.reason, t.detail, "
            "%s, now() FROM unnest(%s::varchar[], %s::bigint[], %s::varchar[], %s::bigint[], "
            "%s::varchar[], %s::varchar[], %s::varchar[]) "
            "AS t(kind, id, occurrence, customer, outcome, reason, detail) "
            "ON CONFLICT (pattern_id, subject_kind, subject_id, occurrence) DO NOTHING "
            "RETURNING subject_kind, subject_id, occurrence",
            [
                pattern.pk,
                run_date,
                [d.candidate.kind for d in decisions],
                [d.candidate.id for d in decisions],
                [d.candidate.occurrence for d in decisions],
                [d.candidate.customer.pk for d in decisions],
                [
                    PatternOccurrence.Outcome.SENT if d.sends else PatternOccurrence.Outcome.SKIPPED
                    for d in decisions
                ],
                [d.reason for d in decisions],
                [d.detail for d in decisions],
            ],
        )
        return {(row[0], row[1], row[2]) for row in cursor.fetchall()}


def _link_messages(pattern: SmsPattern, sent: list[Decision], message_ids: list[int]) -> None:
    table = PatternOccurrence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} o SET sms_message_id = v.message FROM unnest("  # noqa: S608
            "%s::varchar[], %s::bigint[], %s::varchar[], %s::bigint[]) "
            "AS v(kind, id, occurrence, message) WHERE o.pattern_id = %s "
            "AND o.subject_kind = v.kind AND o.subject_id = v.id AND o.occurrence = v.occurrence",
            [
                [d.candidate.kind for d in sent],
                [d.candidate.id for d in sent],
                [d.candidate.occurrence for d in sent],
                message_ids,
                pattern.pk,
            ],
        )


# --- Preview -------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    candidate: Candidate
    text: str
    reason: str
    detail: str
    parts: int


@dataclass
class Preview:
    rows: list[PreviewRow]
    sending: int
    skipped: Counter[str]
    parts: int
    cost: Decimal
    more: bool


def pattern_preview(
    *, agency: Any, pattern: SmsPattern, run_date: dt.date, limit: int = 100
) -> Preview:
    """Who ``pattern`` would text on ``run_date`` (tomorrow, on the page), with the text or
    the reason each is skipped; nothing is recorded."""
    schema_require(agency)
    compiled = compile_template(pattern.template.body)
    facts = _facts_for(agency, run_date)
    rows: list[PreviewRow] = []
    sending, parts, more = 0, 0, False
    skipped: Counter[str] = Counter()
    for chunk in _chunks(candidates(pattern, run_date), CHUNK):
        for candidate in _undecided(pattern, chunk):
            decision = _decide(candidate, compiled, facts)
            size = sms_parts(decision.text) if decision.sends else 0
            if decision.sends:
                sending += 1
                parts += size
            else:
                skipped[decision.reason] += 1
            if len(rows) < limit:
                rows.append(
                    PreviewRow(candidate, decision.text, decision.reason, decision.detail, size)
                )
            else:
                more = True
    return Preview(rows, sending, skipped, parts, sms_cost(parts, pattern.line), more)
