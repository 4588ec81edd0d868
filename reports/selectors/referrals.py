"""How main-site orders were taken: the offers each agency got and how fast it accepted,
how long customers waited, and how many orders fell through to the virtual branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q

from referrals.models import Offer, Referral
from reports.periods import DateRange
from reports.selectors.shared import (
    AgencyRef,
    Percentile,
    agency_fields,
    agency_from,
    grouped,
)

_ACCEPTED = Q(state=Offer.State.ACCEPTED)


@dataclass(frozen=True)
class Timing:
    """Median, average and 90th percentile of a duration (``None`` when nothing was
    accepted)."""

    median: dt.timedelta | None
    average: dt.timedelta | None
    p90: dt.timedelta | None


@dataclass(frozen=True)
class OfferFigures:
    """Offers made to one agency (or to all), by what became of them. ``reaction`` is
    accepted − offered (the agency's reaction), ``wait`` accepted − the referral's start
    (the customer's wait)."""

    offers: int
    accepted: int
    declined: int
    expired: int
    withdrawn: int
    waiting: int
    reaction: Timing
    wait: Timing
    agency: AgencyRef | None = None

    @property
    def acceptance_percent(self) -> Decimal | None:
        """Accepted offers out of all offers made, in percent with two decimals."""
        if not self.offers:
            return None
        return (Decimal(self.accepted) * 100 / self.offers).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class ReferralReport:
    period: DateRange
    agencies: list[OfferFigures]
    overall: OfferFigures
    referrals: int
    accepted: int
    fallen: int
    open: int
    closed: int


def _figures() -> dict[str, Any]:
    reaction = F("answered_at") - F("offered_at")
    wait = F("answered_at") - F("referral__created_at")
    figures: dict[str, Any] = {"offers": Count("id")}
    for state in ("accepted", "declined", "expired", "withdrawn", "waiting"):
        figures[state] = Count("id", filter=Q(state=state))
    for name, duration in (("reaction", reaction), ("wait", wait)):
        figures[f"{name}_median"] = Percentile(duration, fraction=0.5, filter=_ACCEPTED)
        figures[f"{name}_average"] = Avg(duration, filter=_ACCEPTED)
        figures[f"{name}_p90"] = Percentile(duration, fraction=0.9, filter=_ACCEPTED)
    return figures


def _offer_figures(row: dict[str, Any], agency: AgencyRef | None = None) -> OfferFigures:
    def timing(name: str) -> Timing:
        return Timing(row[f"{name}_median"], row[f"{name}_average"], row[f"{name}_p90"])

    return OfferFigures(
        offers=row["offers"],
        accepted=row["accepted"],
        declined=row["declined"],
        expired=row["expired"],
        withdrawn=row["withdrawn"],
        waiting=row["waiting"],
        reaction=timing("reaction"),
        wait=timing("wait"),
        agency=agency,
    )


def referral_report(*, period: DateRange) -> ReferralReport:
    """Referrals started in ``period`` (Tehran days) and their offers, per agency and
    overall; the overall percentiles are over every accepted offer. Three queries."""
    offers = Offer.objects.filter(
        referral__created_at__gte=period.start, referral__created_at__lt=period.end
    ).order_by()
    figures = _figures()
    agencies = [
        _offer_figures(row, agency_from(row, "agency__"))
        for row in grouped(
            offers.values(*agency_fields("agency__")).annotate(**figures).order_by("agency__code")
        )
    ]
    overall = _offer_figures(offers.aggregate(**figures))
    states = Referral.State
    counts = (
        Referral.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .order_by()
        .aggregate(
            referrals=Count("id"),
            **{state: Count("id", filter=Q(state=state)) for state in states.values},
        )
    )
    return ReferralReport(
        period=period,
        agencies=agencies,
        overall=overall,
        referrals=counts["referrals"],
        accepted=counts[states.ACCEPTED],
        fallen=counts[states.FALLEN],
        open=counts[states.OPEN],
        closed=counts[states.CLOSED],
    )
