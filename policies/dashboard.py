"""The sale's figures on the agency panel's dashboard (S-4.1): policies sold, premium,
orders waiting for issuance, per day (commissions are settlement's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from core.jalali import tehran
from core.money import format_rials
from policies.models import Order, Policy
from tenants.panel.dashboard import Card, Chart, Period, register


def sales_figures(agency: Any, period: Period) -> list[Card | Chart]:
    # One read of the period's policies (from the index policy_agency_issued alone): the
    # days' figures, whose sums are the period's.
    per_day = list(
        Policy.objects.filter(agency=agency, issued_at__gte=period.start, issued_at__lt=period.end)
        .annotate(day=TruncDate("issued_at", tzinfo=tehran()))
        .values("day")
        .annotate(n=Count("*"), total=Sum("premium"))
        .values_list("day", "n", "total")
    )
    waiting = Order.objects.filter(agency=agency, state=Order.State.PAID).count()
    sold = {day: n for day, n, _premium in per_day}
    premium = {day: int(total) for day, _n, total in per_day}
    total_premium = sum((total for _day, _n, total in per_day), Decimal(0))
    return [
        Card("policies_sold", _("Policies sold"), str(sum(sold.values()))),
        Card("premium", _("Premium (rials)"), format_rials(total_premium)),
        Card("awaiting_issue", _("Paid, waiting for issuance"), str(waiting)),
        Chart(
            "sales_per_day",
            _("Policies sold and premium per day"),
            "bar",
            period.day_labels(),
            [
                {"label": _("Policies sold"), "data": period.per_day(sold), "yAxisID": "count"},
                {
                    "label": _("Premium (rials)"),
                    "data": period.per_day(premium),
                    "type": "line",
                    "yAxisID": "money",
                },
            ],
        ),
    ]


register(sales_figures, position=10)
