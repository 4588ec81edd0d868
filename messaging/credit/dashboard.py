"""The agency's SMS credit on its panel dashboard (issue 13 item 7): the credit left, with
a warning when it is low, and the messages paid for this Jalali month (two queries)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.digits import format_number
from messaging.credit.selectors import credit_summary
from tenants.panel.dashboard import Card, Chart, Period


def credit_cards(agency: Any, period: Period) -> list[Card | Chart]:
    """Whatever the period: the credit now and this month's messages."""
    summary = credit_summary(agency_id=agency.pk)
    usage = summary["usage"]
    credit_hint = (
        _("Low: below %(amount)s rials. Top it up so that messages are not refused.")
        % {"amount": format_number(summary["low_below"])}
        if summary["low"]
        else _("rials")
    )
    return [
        Card("sms_credit", _("SMS credit"), format_number(summary["balance"]), credit_hint),
        Card(
            "sms_month",
            _("SMS sent this month"),
            format_number(usage["messages"]),
            _("%(parts)s parts, %(cost)s rials")
            % {"parts": format_number(usage["parts"]), "cost": format_number(usage["cost"])},
        ),
    ]
