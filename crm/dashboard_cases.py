"""The cases' cards on the panel's dashboard: the member's own activities due today and
overdue (with the reminders sent to them), and the complaints still open."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.digits import localize_digits
from crm.selectors.cases import my_day, open_complaints_count
from tenants.panel.dashboard import Card, Chart, Period


def cases_cards(agency: Any, period: Period, membership: Any = None) -> list[Card | Chart]:
    if membership is None:
        return []
    day = my_day(membership=membership)
    return [
        Card(
            "crm_my_activities",
            _("My activities due today / overdue"),
            f"{day.due_today} / {day.overdue}",
            localize_digits(_("Reminders to see: %(count)s") % {"count": day.reminders}),
        ),
        Card(
            "crm_open_complaints",
            _("Open complaints"),
            str(open_complaints_count(membership=membership)),
        ),
    ]
