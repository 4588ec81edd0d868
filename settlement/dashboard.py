"""The agency's commission on the panel's dashboard (S-4.1)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from core.money import format_rials
from settlement.models import Commission
from tenants.panel.dashboard import Card, Chart, Period, register


def commission_figures(agency: Any, period: Period) -> list[Card | Chart]:
    total = Commission.objects.filter(
        agency=agency, issued_at__gte=period.start, issued_at__lt=period.end
    ).aggregate(total=Sum("amount"))["total"]
    return [
        Card(
            "commission",
            _("Commission (rials)"),
            format_rials(total or 0),
            _("On the net premium, at the rate in force on each issue day"),
        )
    ]


register(commission_figures, position=15)
