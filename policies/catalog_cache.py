"""What pricing needs, kept in each process and dropped the moment the catalog changes.

The premium inquiry is the busiest request of the platform and reads nothing but the
catalog: lines, their questions, active tariff versions with their rules, and which agency
may not sell which line. Each process keeps a snapshot of these, tagged with a generation
number that lives in Redis; every change to a catalog row (admin, import, activation, an
agency's lines) bumps the number once its transaction commits; each process compares it
with its own at most once a second and reloads when it differs. A warm request reads no
database row and, most of the time, not even Redis. While Redis is down each process
reloads from the database at most once a second, and refuses catalog changes.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, Q

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from policies.models import AgencyLine, Line, Question, SalesPlan, TariffRule, TariffVersion

GENERATION_KEY = "policies:catalog:generation"
PLAN_LABEL_EN = "Sales plan discount"


@dataclass(frozen=True)
class PlanSnapshot:
    """An approved sales plan as the quote engine applies it."""

    plan_id: int
    title: str
    percent: Decimal
    starts_on: dt.date
    ends_on: dt.date
    agency_ids: frozenset[int]  # empty: every site

    def applies(self, *, agency_id: int | None, on: dt.date) -> bool:
        in_dates = self.starts_on <= on <= self.ends_on
        return in_dates and (not self.agency_ids or agency_id in self.agency_ids)

    def rule(self) -> TariffRule:
        """A discount on the net premium, placed before the taxes (which then fall with it)."""
        return TariffRule(
            code=f"plan-{self.plan_id}",
            label=self.title,
            # Marketing writes a plan's title in Persian only; English pages name the line.
            label_en=PLAN_LABEL_EN,
            kind=TariffRule.Kind.DISCOUNT,
            question="",
            basis="net",
            table={"*": str(self.percent / 100)},
            params={},
        )


@dataclass(frozen=True)
class LineSnapshot:
    line: Line
    version: TariffVersion
    questions: tuple[Question, ...]
    rules: tuple[TariffRule, ...]
    blocked_agencies: frozenset[int]  # agencies that may not (or do not) sell the line
    plans: tuple[PlanSnapshot, ...] = ()

    def sellable(self, agency_id: int | None) -> bool:
        return agency_id is None or agency_id not in self.blocked_agencies

    def rules_for(self, *, agency_id: int | None, on: dt.date) -> tuple[TariffRule, ...]:
        """The tariff's rules with the discounts of the sales plans running ``on`` that day
        on this site, inserted before the first tax rule."""
        running = [plan.rule() for plan in self.plans if plan.applies(agency_id=agency_id, on=on)]
        if not running:
            return self.rules
        at = next(
            (i for i, rule in enumerate(self.rules) if rule.kind == TariffRule.Kind.TAX),
            len(self.rules),
        )
        return (*self.rules[:at], *running, *self.rules[at:])


# How long a process trusts its snapshot before asking Redis for the generation again.
RECHECK_SECONDS = 1.0


class _Snapshot:
    def __init__(self) -> None:
        self.loaded = False
        self.generation: int | None = None  # None: not known (Redis was down at the load)
        self.checked_at = 0.0
        self.lines: dict[str, LineSnapshot] = {}
        self.lock = threading.Lock()


_snapshot = _Snapshot()


def catalog_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A lost key (Redis flushed) must not look like the generation a process has.
        cache.add(GENERATION_KEY, secrets.randbits(48), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return int(generation)


def _bump() -> None:
    _snapshot.checked_at = 0.0  # this process looks again at once
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, secrets.randbits(48), timeout=None)


def catalog_changed() -> None:
    """Tell every process to reload the catalog: now (this transaction's own reads) and
    again once it commits (a process that reloaded in between saw the old rows).

    Without Redis the first bump raises and the change is refused (rolled back): other
    processes could not be told, and would keep their old snapshot once Redis is back."""
    _bump()
    transaction.on_commit(_bump, robust=True)


def _load() -> dict[str, LineSnapshot]:
    versions = {
        version.line_id: version
        for version in TariffVersion.objects.filter(status=TariffVersion.Status.ACTIVE)
        .select_related("line")
        .prefetch_related(Prefetch("rules", queryset=TariffRule.objects.order_by("position", "id")))
    }
    blocked: dict[int, set[int]] = {}
    for line_id, agency_id in AgencyLine.objects.filter(
        Q(allowed=False) | Q(offered=False)
    ).values_list("line_id", "agency_id"):
        blocked.setdefault(line_id, set()).add(agency_id)
    plans: dict[int, list[PlanSnapshot]] = {}
    for plan in SalesPlan.objects.filter(state=SalesPlan.State.APPROVED).prefetch_related(
        "lines", "agencies"
    ):
        snapshot = PlanSnapshot(
            plan_id=plan.pk,
            title=plan.title,
            percent=plan.discount_percent,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            agency_ids=frozenset(agency.pk for agency in plan.agencies.all()),
        )
        for line in plan.lines.all():
            plans.setdefault(line.pk, []).append(snapshot)
    lines = {}
    for line in Line.objects.filter(is_active=True).prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("stage", "position", "id"))
    ):
        version = versions.get(line.pk)
        if version is None:
            continue
        lines[line.code] = LineSnapshot(
            line=line,
            version=version,
            questions=tuple(line.questions.all()),
            rules=tuple(version.rules.all()),
            blocked_agencies=frozenset(blocked.get(line.pk, ())),
            plans=tuple(plans.get(line.pk, ())),
        )
    return lines


def line_snapshot(code: str) -> LineSnapshot | None:
    """The line ``code`` as pricing sees it now (None: not on sale anywhere).

    A change made in this process is seen by its next call; other processes see it within
    ``RECHECK_SECONDS``.
    """
    now = time.monotonic()
    if now - _snapshot.checked_at < RECHECK_SECONDS and _snapshot.loaded:
        return _snapshot.lines.get(code)
    try:
        generation: int | None = catalog_generation()
    except REDIS_UNAVAILABLE:
        # Redis down: no number tells of a change, so the database is read again (at most
        # once per RECHECK_SECONDS), and once more when Redis answers.
        generation = None
    _snapshot.checked_at = now
    if generation is None or generation != _snapshot.generation or not _snapshot.loaded:
        with _snapshot.lock:
            if generation is None or generation != _snapshot.generation or not _snapshot.loaded:
                _snapshot.lines = _load()
                _snapshot.generation = generation
                _snapshot.loaded = True
    return _snapshot.lines.get(code)
