"""The forms of bulk sends: what to send and to whom, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as _p

from core.forms import Form, JalaliDateField
from core.sms.parts import Line
from core.uploads import spreadsheet_clean
from crm.forms.cases import TimeField, at
from crm.models import Customer, CustomerGroup, CustomerRank, Region
from crm.reporting.forms import WholeNumberField
from crm.selectors.audiences import audiences
from messaging.bulk.models import BulkSend
from messaging.models import SmsTemplate

MAX_LIST_BYTES = 20 * 1024 * 1024
# The customer list's filters a "customers matching filters" audience takes.
LIST_FILTERS = ("kind", "band", "region_id")


class BulkForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=SmsTemplate.objects.none(),
        required=False,
        help_text=_("Leave the text empty to send the template's text."),
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        max_length=2000,
        required=False,
        strip=False,
    )
    line = forms.ChoiceField(label=_("Sender line"), choices=Line.choices, initial=Line.PROMOTIONAL)
    audience = forms.ChoiceField(
        label=_("Send to"), choices=BulkSend.Audience.choices, widget=forms.RadioSelect
    )
    group = forms.ModelChoiceField(
        label=_("Customer group"), queryset=CustomerGroup.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind of customer"), required=False)
    band = forms.ChoiceField(label=_("Rank"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    audience_key = forms.ChoiceField(label=_("Report"), required=False)
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)
    days = WholeNumberField(label=_("Number of days"), required=False, min_value=0, max_value=3650)
    min_renewals = WholeNumberField(
        label=_("Renewed at least (times)"), required=False, min_value=0, max_value=100
    )
    upload = forms.FileField(
        label=_("File of numbers (Excel .xlsx or CSV)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    pasted = forms.CharField(
        label=_("Or paste the numbers, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
    )

    def __init__(self, *args: Any, owner: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        if not owner:
            fields["line"].choices = [(Line.PROMOTIONAL, Line.PROMOTIONAL.label)]
        fields["group"].queryset = CustomerGroup.objects.order_by("name")
        fields["template"].queryset = SmsTemplate.objects.filter(is_active=True).order_by("name")
        fields["body"].help_text = _(
            "Placeholders of the customer and the agency may be written by name, e.g. "
            "%(example)s; a recipient without the value is skipped."
        ) % {"example": "{" + str(_p("placeholder", "customer name")) + "}"}
        everything = [("", _("All"))]
        fields["kind"].choices = everything + list(Customer.Kind.choices)
        fields["band"].choices = everything + list(CustomerRank.Band.choices)
        fields["region"].choices = everything + [
            (region.pk, region.name) for region in Region.objects.filter(is_active=True)
        ]
        fields["audience_key"].choices = [("", "—")] + [
            (audience.key, audience.label) for audience in audiences()
        ]

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return None
        if upload.size > MAX_LIST_BYTES:
            raise ValidationError(_("The file is larger than 20 MB; split it into smaller files."))
        spreadsheet_clean(upload)
        upload.seek(0)
        return upload

    def service_arguments(self) -> dict[str, Any]:
        """The form's values as ``bulk_create`` takes them."""
        data = self.cleaned_data
        audience = data["audience"]
        filters: dict[str, Any] = {}
        if audience == BulkSend.Audience.FILTER:
            values = {"kind": data["kind"], "band": data["band"], "region_id": data["region"]}
            filters = {key: value for key, value in values.items() if value}
        elif audience == BulkSend.Audience.REPORT:
            values = {
                "first": data["date_from"].isoformat() if data["date_from"] else None,
                "last": data["date_to"].isoformat() if data["date_to"] else None,
                "days": data["days"],
                "min_renewals": data["min_renewals"],
            }
            filters = {key: value for key, value in values.items() if value is not None}
        upload = data.get("upload")
        return {
            "name": data["name"],
            "body": data.get("body") or "",
            "template": data.get("template"),
            "line": data["line"],
            "audience": audience,
            "group": data.get("group"),
            "audience_key": data.get("audience_key") or "",
            "filters": filters,
            "upload": upload,
            "upload_name": getattr(upload, "name", "") or "",
            "pasted": data.get("pasted") or "",
        }


class ScheduleForm(Form):
    """Now, or a Tehran day (Jalali) and time."""

    send_date = JalaliDateField(label=_("Send on (leave empty to send now)"), required=False)
    send_time = TimeField(label=_("At"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        moment = at(data.get("send_date"), data.get("send_time"), dt.time(10, 0))
        if moment is not None and moment <= timezone.now():
            self.add_error("send_date", ValidationError(_("Choose a time in the future.")))
        data["scheduled_at"] = moment
        return data
