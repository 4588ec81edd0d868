"""The SMS log's filters (decision 039)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import FilterForm, JalaliDateField
from core.models import SmsMessage
from core.sms.parts import Line
from core.text import normalize_text
from messaging.log import LogFilter
from messaging.log_sources import KIND_CHOICES

EVERYTHING = [("", _("All"))]


class LogFilterForm(FilterForm):
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=EVERYTHING + list(SmsMessage.Status.choices)
    )
    line = forms.ChoiceField(
        label=pgettext_lazy("SMS sender line", "Line"),
        required=False,
        choices=EVERYTHING + Line.choices,
    )
    source = forms.ChoiceField(
        label=_("Sent by"), required=False, choices=[*EVERYTHING, *KIND_CHOICES]
    )
    q = forms.CharField(
        label=_("Customer or number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    date_range = ("date_from", "date_to")

    def __init__(self, *args: Any, received: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if received:  # a reply has no status, line or source
            for name in ("status", "line", "source"):
                del self.fields[name]

    def filter_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "first": data.get("date_from"),
            "last": data.get("date_to"),
            "status": data.get("status") or "",
            "line": data.get("line") or "",
            "source": data.get("source") or "",
            "query": normalize_text(data.get("q") or "").strip(),
        }

    def log_filter(self) -> LogFilter:
        return LogFilter(**self.filters())
