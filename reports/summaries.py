"""Per-day summaries of the sales and settlement reports (decision 060).

A Tehran day is rolled up once it has ended (``summary_days_rollup``: delete and insert the
day's rows in one transaction, then mark the day summarised), by the beat task
``reports.tasks.report_summaries_refresh`` and, for all history, by the command
``reports_summaries_backfill``. A report reads the summaries for the days of its period that
are summarised and clean, and computes the others (today, the days to come, a day not rolled
up yet or changed since) live: ``split_period``.

Whatever changes a summarised day marks it dirty in its own transaction (the triggers of
migration 0002), so a figure read from a summary is always the one the live query would
give; the refresh task then rolls the day up again (on the ``default`` queue, each day once
however often it is asked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.jalali import tehran, tehran_today
from reports.models import SalesDay, SettlementDay, SummaryDay
from reports.periods import DateRange

# pg_advisory_xact_lock(DAY_LOCK, day - 2000-01-01): shared by every transaction that changes
# a day's figures (the triggers), exclusive while the day is rolled up.
DAY_LOCK = 24160
# The refresh task looks this far back for ended days never rolled up (the backfill does
# all history once).
REFRESH_LOOKBACK_DAYS = 40


@dataclass(frozen=True)
class Days:
    """Tehran days as runs of consecutive days, turned into filters."""

    runs: tuple[tuple[dt.date, dt.date], ...] = ()

    @classmethod
    def of(cls, days: Iterable[dt.date]) -> Days:
        runs: list[tuple[dt.date, dt.date]] = []
        for day in sorted(set(days)):
            if runs and runs[-1][1] + dt.timedelta(days=1) == day:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        return cls(tuple(runs))

    def __bool__(self) -> bool:
        return bool(self.runs)

    def on(self, field: str) -> Q:
        """``field`` (a date) on one of the days."""
        if not self.runs:
            return Q(pk__in=[])
        q = Q()
        for first, last in self.runs:
            q |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
        return q

    def at(self, field: str) -> Q:
        """``field`` (a moment) within one of the days, in Tehran."""
        if not self.runs:
            return Q(pk__in=[])
        q = Q()
        for first, last in self.runs:
            span = DateRange(first, last)
            q |= Q(**{f"{field}__gte": span.start, f"{field}__lt": span.end})
        return q

    def sql_on(self, column: str) -> tuple[str, list]:
        if not self.runs:
            return "false", []
        parts, params = [], []
        for first, last in self.runs:
            parts.append(f"({column} >= %s AND {column} <= %s)")
            params += [first, last]
        return "(" + " OR ".join(parts) + ")", params

    def sql_at(self, column: str) -> tuple[str, list]:
        if not self.runs:
            return "false", []
        parts, params = [], []
        for first, last in self.runs:
            span = DateRange(first, last)
            parts.append(f"({column} >= %s AND {column} < %s)")
            params += [span.start, span.end]
        return "(" + " OR ".join(parts) + ")", params


def split_period(period: DateRange) -> tuple[Days, Days]:
    """The period's days read from the summaries (summarised, unchanged since) and those
    computed live (every other day). One query, on the database the report reads."""
    summarised = set(
        SummaryDay.objects.filter(
            day__gte=period.first, day__lte=period.last, dirty=False
        ).values_list("day", flat=True)
    )
    return Days.of(summarised), Days.of(day for day in period.days() if day not in summarised)


def last_closed_day() -> dt.date:
    return tehran_today() - dt.timedelta(days=1)


_SALES_ROLLUP = """
INSERT INTO {sales} (day, agency_id, line_id, policies, premium)
SELECT (p.issued_at AT TIME ZONE %(zone)s)::date, p.agency_id, p.line_id, count(*),
       sum(p.premium)
FROM {policy} p WHERE p.issued_at >= %(start)s AND p.issued_at < %(end)s
GROUP BY 1, 2, 3
"""


def summary_days_rollup(*, first: dt.date, last: dt.date) -> int:
    """Build the summaries of the ended days ``first``…``last`` (a later ``last`` is cut to
    yesterday) in one transaction: their rows deleted and computed again, the days marked
    summarised and clean. Running it twice gives the same rows. The number of days."""
    from policies.models import Policy
    from reports.selectors.settlement import settlement_rows_by_day_and_agency

    last = min(last, last_closed_day())
    if first > last:
        return 0
    span = DateRange(first, last)
    tables = {"sales": SalesDay._meta.db_table, "policy": Policy._meta.db_table}
    with transaction.atomic(using="default"), connection.cursor() as cursor:
        # Every transaction that changed these days has committed (the triggers hold the
        # same keys shared), and none can change them until this one commits.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, g::date - DATE '2000-01-01')) "
            "FROM generate_series(%s::date, %s::date, interval '1 day') AS g(g)",
            [DAY_LOCK, first, last],
        )
        SalesDay.objects.filter(day__gte=first, day__lte=last).delete()
        cursor.execute(
            _SALES_ROLLUP.format(**tables),
            {"zone": str(tehran()), "start": span.start, "end": span.end},
        )
        SettlementDay.objects.filter(day__gte=first, day__lte=last).delete()
        SettlementDay.objects.bulk_create(
            settlement_rows_by_day_and_agency(Days(((first, last),))), batch_size=2000
        )
        cursor.execute(
            f"INSERT INTO {SummaryDay._meta.db_table} (day, dirty, rolled_at, changed_at) "  # noqa: S608 - our table; values are parameters
            "SELECT g::date, false, %s, NULL "
            "FROM generate_series(%s::date, %s::date, interval '1 day') AS g(g) "
            "ON CONFLICT (day) DO UPDATE SET dirty = false, rolled_at = EXCLUDED.rolled_at",
            [timezone.now(), first, last],
        )
    return (last - first).days + 1


def summary_days_due(*, lookback: int = REFRESH_LOOKBACK_DAYS) -> list[dt.date]:
    """Ended days to roll up: those of the last ``lookback`` days never rolled up, and every
    day marked dirty."""
    last = last_closed_day()
    first = last - dt.timedelta(days=lookback - 1)
    done = set(
        SummaryDay.objects.filter(day__gte=first, day__lte=last, dirty=False).values_list(
            "day", flat=True
        )
    )
    missing = {first + dt.timedelta(days=n) for n in range(lookback)} - done
    dirty = set(SummaryDay.objects.filter(dirty=True, day__lte=last).values_list("day", flat=True))
    return sorted(missing | dirty)


def summaries_backfill(*, chunk_days: int = 31) -> int:
    """Roll up every ended day from the first policy or batch on, ``chunk_days`` at a time
    (each chunk its own transaction). The number of days."""
    from policies.models import Policy
    from settlement.models import SettlementBatch

    first_policy = Policy.objects.order_by("issued_at").values_list("issued_at", flat=True)
    starts = [moment.astimezone(tehran()).date() for moment in first_policy[:1]]
    first_batch = SettlementBatch.objects.order_by("day").values_list("day", flat=True).first()
    if first_batch is not None:
        starts.append(first_batch)
    if not starts:
        return 0
    day, last = min(starts), last_closed_day()
    done = 0
    while day <= last:
        end = min(last, day + dt.timedelta(days=chunk_days - 1))
        done += summary_days_rollup(first=day, last=end)
        day = end + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        for model in (SummaryDay, SalesDay, SettlementDay):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return done
