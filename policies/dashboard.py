"""The sale's figures on the agency panel's dashboard (S-4.1): policies sold, premium,
orders waiting for issuance, per day (commissions are settlement's)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from core.jalali import tehran
from core.money import format_rials
from policies.models import Order, Policy
from tenants.panel.dashboard import Card, Chart, Period, register


def sales_figures(agency: Any, period: Period) -> list[Card | Chart]:
    policies = Policy.objects.filter(
        agency=agency, issued_at__gte=period.start, issued_at__lt=period.end
    )
    totals = policies.aggregate(n=Count("id"), total=Sum("premium"))
    per_day = list(
        policies.annotate(day=TruncDate("issued_at", tzinfo=tehran()))
        .values("day")
        .annotate(n=Count("id"), total=Sum("premium"))
        .values_list("day", "n", "total")
    )
    waiting = Order.objects.filter(agency=agency, state=Order.State.PAID).count()
    sold = {day: n for day, n, _premium in per_day}
    premium = {day: int(total) for day, _n, total in per_day}
    return [
        Card("policies_sold", _("Policies sold"), str(totals["n"])),
        Card("premium", _("Premium (rials)"), format_rials(totals["total"] or 0)),
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
