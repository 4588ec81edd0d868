"""Forms of the renewal figures and settings pages (decision 045)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import Form, InitialInPageDigitsMixin, JalaliDateField, NumericInput
from renewals.selectors.figures import (
    GROUPS,
    LINE,
    MONTH,
    REGION,
    STAFF,
    Month,
    jalali_month,
    month_of,
    months_between,
)
from renewals.services.settings import HORIZON_MAX, HORIZON_MIN, POINTS_MAX

# How far back and ahead the period lists go (months).
MONTHS_BACK, MONTHS_AHEAD = 36, 6
# The longest period one report covers.
MAX_MONTHS = 24

GROUP_CHOICES = (
    (STAFF, pgettext_lazy("renewal figures", "Staff member")),
    (LINE, _("Line")),
    (REGION, _("Region")),
    (MONTH, _("Month")),
)


def _shift(month: Month, count: int) -> Month:
    serial = month.year * 12 + (month.month - 1) + count
    return jalali_month(serial // 12, serial % 12 + 1)


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    """Jalali months from ``MONTHS_BACK`` before this one to ``MONTHS_AHEAD`` after, newest
    first (value ``1405-09``, label ``آذر ۱۴۰۵``)."""
    current = month_of(today)
    months = months_between(_shift(current, -MONTHS_BACK), _shift(current, MONTHS_AHEAD))
    return [(month.key, month.label) for month in reversed(months)]


def _parse(key: str) -> Month:
    year, month = (int(part) for part in key.split("-"))
    return jalali_month(year, month)


class PeriodForm(Form):
    """A period of whole Jalali months (this month when nothing is chosen)."""

    month_from = forms.ChoiceField(label=_("From month"), required=False)
    month_to = forms.ChoiceField(label=_("To month"), required=False)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        choices = month_choices(today)
        self.fields["month_from"].choices = choices  # type: ignore[attr-defined]
        self.fields["month_to"].choices = choices  # type: ignore[attr-defined]
        current = month_of(today).key
        self.fields["month_from"].initial = current
        self.fields["month_to"].initial = current

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("month_from"), data.get("month_to")
        if start and end:
            if end < start:
                self.add_error("month_to", _("The end of the period is before its start."))
            elif len(months_between(_parse(start), _parse(end))) > MAX_MONTHS:
                self.add_error("month_to", _("Choose a period of at most 24 months."))
        return data

    def months(self) -> list[Month]:
        """The chosen months (valid ones), else this month."""
        current = month_of(self.today)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = _parse(data["month_from"]) if data.get("month_from") else None
        end = _parse(data["month_to"]) if data.get("month_to") else None
        start = start or (
            end if end and (end.year, end.month) < (current.year, current.month) else current
        )
        end = end or (
            start if (start.year, start.month) > (current.year, current.month) else current
        )
        if (end.year, end.month) < (start.year, start.month):
            end = start
        return months_between(start, end)


class RetentionForm(PeriodForm):
    group = forms.ChoiceField(label=_("Grouped by"), required=False, choices=GROUP_CHOICES)

    def group_chosen(self) -> str:
        value = self.data.get("group") if self.is_bound else None
        return value if value in GROUPS else STAFF


class WholeNumberField(InitialInPageDigitsMixin, forms.IntegerField):
    """A whole number typed in any digits; the stored one offered in the page's digits."""

    widget = NumericInput


class RenewalSettingsForm(Form):
    points_per_renewal = WholeNumberField(
        label=_("Points per renewal"),
        min_value=0,
        max_value=POINTS_MAX,
        help_text=_("Given to the staff member credited with each renewal."),
    )
    lapsed_horizon_days = WholeNumberField(
        label=_("Lapsed policies looked at (days after expiry)"),
        min_value=HORIZON_MIN,
        max_value=HORIZON_MAX,
    )
    followup_enabled = forms.BooleanField(label=_("Follow-up calls after issuance"), required=False)


class ServiceStaffForm(Form):
    """One member's row: takes renewal calls, and leave (Jalali days)."""

    user_id = forms.IntegerField(widget=forms.HiddenInput)
    in_pool = forms.BooleanField(label=_("Takes renewal calls"), required=False)
    leave_from = JalaliDateField(label=_("On leave from"), required=False)
    leave_until = JalaliDateField(label=_("On leave until"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.prefix:
            # The row's inputs sit in table cells and belong to the row's own form element.
            owner = f"staff-form-{self.prefix.removeprefix('m')}"
            for field in self.fields.values():
                field.widget.attrs["form"] = owner
