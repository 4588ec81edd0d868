"""The template editor's form and the list's search (decision 035)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import TextField
from core.sms.parts import Line
from messaging.models import SmsTemplate
from messaging.placeholders import body_to_written
from messaging.services import BODY_MAX, NAME_MAX


class SmsTemplateForm(forms.Form):
    """Name, text with placeholders by their Persian names, line, active. The service checks
    the placeholders; its errors land on the text field."""

    name = TextField(label=_("Name"), max_length=NAME_MAX)
    body = forms.CharField(
        label=_("Text of the message"),
        max_length=BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-sms-body": ""}),
        help_text=_("Click a placeholder below to put it where the cursor is."),
    )
    line = forms.ChoiceField(
        label=_("Sender line"),
        choices=Line.choices,
        initial=Line.SERVICE,
        help_text=_(
            "The service line for reminders and notices; the promotional line for campaigns."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @staticmethod
    def initial_of(template: SmsTemplate) -> dict[str, Any]:
        return {
            "name": template.name,
            "body": body_to_written(template.body),
            "line": template.line,
            "is_active": template.is_active,
        }

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class SmsTemplateSearch(forms.Form):
    q = TextField(label=_("Search"), required=False, max_length=100)
