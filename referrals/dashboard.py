"""Referral offers on the agency panel's dashboard (S-4.1): waiting, accepted, expired, and
how fast the agency accepts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from referrals.selectors import agency_offer_stats
from tenants.panel.dashboard import Card, Chart, Period, register


def offer_figures(agency: Any, period: Period) -> list[Card | Chart]:
    stats = agency_offer_stats(agency=agency, since=period.start)
    seconds = stats["average_accept_seconds"]
    average = "—" if seconds is None else f"{seconds / 60:.1f}"
    return [
        Card("offers_waiting", _("Referral offers waiting"), str(stats["waiting"])),
        Card("offers_accepted", _("Offers accepted"), str(stats["accepted"])),
        Card("offers_expired", _("Offers expired"), str(stats["expired"])),
        Card("accept_minutes", _("Average time to accept (minutes)"), average),
        Chart(
            "offers",
            _("Offers by outcome"),
            "doughnut",
            [
                str(_("Accepted")),
                str(_("Expired")),
                str(_("Declined")),
                str(_("Taken by another agency")),
            ],
            [
                {
                    "label": _("Offers"),
                    "data": [
                        stats["accepted"],
                        stats["expired"],
                        stats["declined"],
                        stats["withdrawn"],
                    ],
                }
            ],
        ),
    ]


register(offer_figures, position=20)
