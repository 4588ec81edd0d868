"""The panel's dashboard is assembled from what each app knows (S-4.1).

``tenants`` sits below ``policies`` and ``referrals`` and may not import them, so each app
registers a provider here (from its ``AppConfig.ready``): a function of the agency and the
period that returns cards (one figure each) and charts (Chart.js data). The dashboard shows
them in ``position`` order. Providers aggregate in the database, per Tehran day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jdatetime
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jalali import format_jalali_date, tehran


@dataclass(frozen=True)
class Period:
    key: str
    label: Any
    start: dt.datetime  # aware, inclusive
    end: dt.datetime  # aware, exclusive

    def days(self) -> list[dt.date]:
        first = timezone.localtime(self.start, tehran()).date()
        last = timezone.localtime(self.end - dt.timedelta(microseconds=1), tehran()).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    def day_labels(self) -> list[str]:
        return [format_jalali_date(day) for day in self.days()]

    def per_day(self, rows: dict[dt.date, Any], default: Any = 0) -> list[Any]:
        """Values for every day of the period (``rows`` maps a Tehran date to a value)."""
        return [rows.get(day, default) for day in self.days()]


PERIODS = {
    "30d": _("Last 30 days"),
    "month": _("This month"),
    "year": _("This year"),
}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


def period_for(key: str | None, *, now: dt.datetime | None = None) -> Period:
    """The period a dashboard shows: the last 30 days (default), this Jalali month or year."""
    now = now or timezone.now()
    today = timezone.localtime(now, tehran()).date()
    end = _midnight(today + dt.timedelta(days=1))
    jtoday = jdatetime.date.fromgregorian(date=today)
    if key == "month":
        start_day = jdatetime.date(jtoday.year, jtoday.month, 1).togregorian()
    elif key == "year":
        start_day = jdatetime.date(jtoday.year, 1, 1).togregorian()
    else:
        key, start_day = "30d", today - dt.timedelta(days=29)
    return Period(key=key, label=PERIODS[key], start=_midnight(start_day), end=end)


@dataclass
class Card:
    key: str
    label: Any
    value: str
    hint: Any = ""


@dataclass
class Chart:
    key: str
    title: Any
    kind: str  # "bar", "line" or "doughnut"
    labels: list[str]
    datasets: list[dict[str, Any]] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "datasets": [
                {**dataset, "label": str(dataset.get("label", ""))} for dataset in self.datasets
            ],
        }


Provider = Callable[..., list[Card | Chart]]
_providers: list[tuple[int, Provider]] = []
# Providers that show the member their own work (``provider(agency, period, membership)``).
_for_member: set[Provider] = set()


def register(provider: Provider, *, position: int = 50, member: bool = False) -> Provider:
    """Add a provider once (registering the same function again changes nothing). With
    ``member=True`` it is also given the member who looks at the dashboard."""
    if all(existing is not provider for _position, existing in _providers):
        _providers.append((position, provider))
        _providers.sort(key=lambda item: item[0])
    if member:
        _for_member.add(provider)
    return provider


def collect(
    *, agency: Any, period: Period, membership: Any = None
) -> tuple[list[Card], list[Chart]]:
    cards: list[Card] = []
    charts: list[Chart] = []
    for _position, provider in _providers:
        if provider in _for_member:
            items = provider(agency, period, membership)
        else:
            items = provider(agency, period)
        for item in items:
            if isinstance(item, Card):
                cards.append(item)
            else:
                charts.append(item)
    return cards, charts


def sms_figures(agency: Any, period: Period) -> list[Card | Chart]:
    """SMS the platform sent for the agency, per day (core's message log)."""
    from core.models import SmsMessage

    sent = SmsMessage.objects.filter(
        agency_id=agency.pk,
        status=SmsMessage.Status.SENT,
        created_at__gte=period.start,
        created_at__lt=period.end,
    )
    per_day = dict(
        sent.annotate(day=TruncDate("created_at", tzinfo=tehran()))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        Card("sms_sent", _("SMS sent"), str(sum(per_day.values()))),
        Chart(
            "sms_per_day",
            _("SMS sent per day"),
            "bar",
            period.day_labels(),
            [{"label": _("SMS sent"), "data": period.per_day(per_day)}],
        ),
    ]


register(sms_figures, position=90)
