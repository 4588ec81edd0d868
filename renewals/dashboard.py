"""Renewals on the panel's dashboard (seed 001: "renewed vs renewable this month"): a card
with this Jalali month's renewal rate and a chart of renewable and renewed policies per
line. Whatever the dashboard's period, it is this month; a staff member sees their own.
Two queries (the figures, the lines' names): only the line grouping and the total of the
retention figures, due and renewed (``due_and_renewed_by_line``, decision 045)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.digits import localize_digits
from core.templatetags.jalali import percent
from crm.selectors.names import line_names
from renewals.selectors.figures import due_and_renewed_by_line, month_of, months_between, rate
from renewals.services.clock import today as tehran_today
from tenants.panel.dashboard import Card, Chart, Period


def renewal_figures(agency: Any, period: Period, membership: Any = None) -> list[Card | Chart]:
    today = tehran_today()
    month = month_of(today)
    user_id = None
    if membership is not None and not membership.can_manage:
        user_id = membership.user_id
    with schema_context(agency.schema_name):
        lines, total = due_and_renewed_by_line(months=months_between(month, month), user_id=user_id)
        names = line_names(line.line_code or "" for line in lines)
    per_line = [(line.line_code or "", line.due, line.renewed) for line in lines]
    due, renewed = total.due, total.renewed
    value = rate(renewed, due)
    return [
        Card(
            "renewal_rate_month",
            _("Renewal rate this month"),
            percent(value) if value is not None else "—",
            localize_digits(
                _("%(renewed)s renewed of %(due)s due") % {"renewed": renewed, "due": due}
            ),
        ),
        Chart(
            "renewals_month",
            _("Renewed vs renewable this month"),
            "bar",
            [names.get(code) or code for code, _due, _renewed in per_line],
            [
                {"label": _("Renewable"), "data": [n for _code, n, _r in per_line]},
                {"label": _("Renewed"), "data": [r for _code, _n, r in per_line]},
            ],
        ),
    ]
