"""Cheques and notes on the panel's dashboard (seed 001): what falls due in the next days
and what has bounced."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from core.digits import format_number
from crm.selectors.money import DUE_SOON_DAYS, instrument_figures
from tenants.panel.dashboard import Card, Chart, Period


def instrument_cards(agency: Any, period: Period) -> list[Card | Chart]:
    """Two cards, whatever the period: due within a week, and bounced now (one query)."""
    with schema_context(agency.schema_name):
        figures = instrument_figures()
    return [
        Card(
            "instruments_due_soon",
            _("Cheques and notes due in %(days)s days") % {"days": format_number(DUE_SOON_DAYS)},
            str(figures["due_soon"]),
            _("%(amount)s rials") % {"amount": format_number(figures["due_soon_amount"] or 0)},
        ),
        Card(
            "instruments_bounced",
            _("Bounced cheques"),
            str(figures["bounced"]),
            _("%(amount)s rials") % {"amount": format_number(figures["bounced_amount"] or 0)},
        ),
    ]
