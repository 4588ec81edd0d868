"""The contact pattern form: what people type, read (Persian digits, times); the service
checks the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.forms import Form, NumericField, TextField
from crm.forms.cases import TimeField
from messaging.models import SmsTemplate
from messaging.patterns.models import Event
from policies.selectors import line_choices


class PatternForm(Form):
    name = TextField(label=_("Name"), max_length=100)
    event = forms.ChoiceField(label=_("Event"), choices=Event.choices)
    offset_days = NumericField(
        label=_("Days"),
        help_text=_("How many days before the event (expiry, due date, activity) or after it."),
    )
    template = forms.ModelChoiceField(label=_("Template"), queryset=SmsTemplate.objects.none())
    send_time = TimeField(label=_("Time of day"), required=True)
    line_code = forms.ChoiceField(label=_("Only policies of"), required=False)
    is_active = forms.BooleanField(label=_("On"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = cast(forms.ModelChoiceField, self.fields["template"])
        templates.queryset = SmsTemplate.objects.filter(is_active=True).order_by("name")
        cast(forms.ChoiceField, self.fields["line_code"]).choices = [
            ("", _("Every line")),
            *line_choices(),
        ]
        if not self.is_bound and "send_time" not in self.initial:
            self.initial["send_time"] = "10:00"

    def clean_offset_days(self) -> int:
        value = self.cleaned_data["offset_days"]
        try:
            days = int(to_latin_digits(str(value)).strip())
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Enter a number of days from 0 to 365.")) from None
        if not 0 <= days <= 365:
            raise forms.ValidationError(_("Enter a number of days from 0 to 365."))
        return days


def pattern_initial(pattern: Any) -> dict[str, Any]:
    return {
        "name": pattern.name,
        "event": pattern.event,
        "offset_days": str(pattern.offset_days),
        "template": pattern.template_id,
        "send_time": pattern.send_time.strftime("%H:%M")
        if isinstance(pattern.send_time, dt.time)
        else "",
        "line_code": pattern.line_code,
        "is_active": pattern.is_active,
    }
