"""The referral acceptance report's tables and charts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from reports.presentation.common import agency_cells
from reports.selectors import OfferFigures, ReferralReport
from reports.tables import COUNT, MINUTES, PERCENT, Col, Table, minutes
from tenants.panel.dashboard import Chart


def _offer_cells(figures: OfferFigures) -> list[Any]:
    return [
        figures.offers,
        figures.accepted,
        figures.declined,
        figures.expired,
        figures.withdrawn,
        figures.waiting,
        figures.acceptance_percent,
        minutes(figures.reaction.median),
        minutes(figures.reaction.average),
        minutes(figures.reaction.p90),
        minutes(figures.wait.median),
        minutes(figures.wait.average),
        minutes(figures.wait.p90),
    ]


def referral_tables(report: ReferralReport) -> list[Table]:
    agencies = Table(
        "offers",
        _("Offers and acceptance times by agency"),
        [
            Col(_("Agency code")),
            Col(_("Agency")),
            Col(_("Province")),
            Col(_("Offers"), COUNT),
            Col(_("Accepted"), COUNT),
            Col(_("Declined"), COUNT),
            Col(_("Expired"), COUNT),
            Col(_("Taken by another agency"), COUNT),
            Col(_("Waiting"), COUNT),
            Col(_("Acceptance rate (%)"), PERCENT),
            Col(_("Reaction, median (min)"), MINUTES),
            Col(_("Reaction, average (min)"), MINUTES),
            Col(_("Reaction, 90th percentile (min)"), MINUTES),
            Col(_("Customer's wait, median (min)"), MINUTES),
            Col(_("Customer's wait, average (min)"), MINUTES),
            Col(_("Customer's wait, 90th percentile (min)"), MINUTES),
        ],
        [
            [
                *agency_cells(row.agency),
                (row.agency.province or None) if row.agency else None,
                *_offer_cells(row),
            ]
            for row in report.agencies
        ],
        [_("All agencies"), None, None, *_offer_cells(report.overall)],
    )
    outcomes = Table(
        "referrals",
        _("Referrals"),
        [
            Col(_("Referrals started"), COUNT),
            Col(_("Accepted by an agency"), COUNT),
            Col(_("Passed to the virtual branch"), COUNT),
            Col(_("Still being offered"), COUNT),
            Col(_("Closed"), COUNT),
        ],
        [[report.referrals, report.accepted, report.fallen, report.open, report.closed]],
    )
    return [agencies, outcomes]


def referral_charts(report: ReferralReport) -> list[Chart]:
    def median_minutes(figures: OfferFigures, timing: str) -> float | None:
        value = minutes(getattr(figures, timing).median)
        return None if value is None else float(value)

    agencies = report.agencies
    return [
        Chart(
            "referral-times",
            _("Median minutes to accept, by agency"),
            "bar",
            [row.agency.name if row.agency else "" for row in agencies],
            [
                {
                    "label": _("Agency's reaction"),
                    "data": [median_minutes(row, "reaction") for row in agencies],
                },
                {
                    "label": _("Customer's wait"),
                    "data": [median_minutes(row, "wait") for row in agencies],
                },
            ],
        ),
        Chart(
            "referral-outcomes",
            _("What became of the referrals"),
            "doughnut",
            [
                _("Accepted by an agency"),
                _("Passed to the virtual branch"),
                _("Still being offered"),
                _("Closed"),
            ],
            [
                {
                    "label": _("Referrals"),
                    "data": [report.accepted, report.fallen, report.open, report.closed],
                }
            ],
        ),
    ]
