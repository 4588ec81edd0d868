"""The filters of the CRM's report pages. A report always shows something: a refused value
is explained beside its box and the default is used instead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jdatetime
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import localize_digits, to_latin_digits
from core.forms import Form, JalaliDateField, NumericInput
from core.jalali import jalali_today
from crm.models import CustomerRank
from crm.selectors.reports import region_choices


def jalali_month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last Gregorian day of a Jalali month."""
    first = jdatetime.date(year, month, 1).togregorian()
    following = jdatetime.date(year + month // 12, month % 12 + 1, 1).togregorian()
    return first, following - dt.timedelta(days=1)


class WholeNumberField(forms.IntegerField):
    """A whole number typed in any digits (``۱۲``, ``١٢``, ``12``)."""

    widget = NumericInput

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_latin_digits(value).strip()
        return super().to_python(value)


@dataclass(frozen=True)
class Selection:
    """What a report is asked for, after the defaults: ``first``–``last`` (both included),
    ``days``, ``band``, ``region_id``, ``min_renewals``, ``min_years``; ``today`` is the
    Tehran day the report is taken on."""

    today: dt.date
    first: dt.date
    last: dt.date
    days: int
    band: str | None = None
    region_id: int | None = None
    min_renewals: int = 2
    min_years: int = 0


class ReportFilter(Form):
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)
    days = WholeNumberField(label=_("Number of days"), required=False, min_value=0, max_value=3650)
    min_renewals = WholeNumberField(
        label=_("Renewed at least (times)"), required=False, min_value=0, max_value=100
    )
    min_years = WholeNumberField(
        label=_("Customer for at least (years)"), required=False, min_value=0, max_value=100
    )
    band = forms.ChoiceField(label=_("Rank"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, fields: tuple[str, ...], default_days: int = 30, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.default_days = default_days
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        everything = [("", _("All"))]
        choices: Any = self.fields
        if "band" in self.fields:
            choices["band"].choices = everything + list(CustomerRank.Band.choices)
        if "region" in self.fields:
            choices["region"].choices = everything + region_choices()
        if "days" in self.fields:
            choices["days"].widget.attrs["placeholder"] = localize_digits(default_days)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error(
                "date_to", ValidationError(_("The end of the period is before its start."))
            )
        return data

    def selection(self, *, today: dt.date | None = None) -> Selection:
        """The values to report on: those given and valid, else the defaults (the current
        Jalali month, ``default_days`` days, two renewals)."""
        data: dict[str, Any] = {}
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
        elif self.is_bound:
            data = {
                name: value for name, value in self.cleaned_data.items() if name not in self.errors
            }
        jalali = jalali_today()
        today = today or jalali.togregorian()
        month_first, month_last = jalali_month_bounds(jalali.year, jalali.month)
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            first = last = None
        first = first or (min(last, month_first) if last else month_first)
        last = last or (max(first, month_last))
        days = data.get("days")
        renewals = data.get("min_renewals")
        years = data.get("min_years")
        return Selection(
            today=today,
            first=first,
            last=last,
            days=self.default_days if days is None else days,
            band=data.get("band") or None,
            region_id=data.get("region") or None,
            min_renewals=2 if renewals is None else renewals,
            min_years=years or 0,
        )
