"""The calls page's forms: a call's result, a number found, a re-assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.digits import localize_digits
from core.forms import Form, JalaliDateField, MobileField
from core.jalali import format_jalali_date, tehran
from crm.forms.cases import TimeField
from crm.models import BookPolicy
from renewals.models import Channel, Result
from renewals.services import clock
from renewals.services.results import CALL_CHANNELS, CALL_RESULTS

# Half-hour steps inside seed 004's call-back windows.
CALL_BACK_TIMES = tuple(
    dt.time(hour, minute)
    for start, end in clock.CALL_BACK_WINDOWS
    for hour in range(start.hour, end.hour + 1)
    for minute in (0, 30)
    if start <= dt.time(hour, minute) <= end
)


def policy_label(policy: BookPolicy, insurers: dict[str, str]) -> str:
    parts = [policy.number or "—"]
    if policy.insurer_code:
        parts.append(insurers.get(policy.insurer_code, ""))
    if policy.end_date:
        parts.append(str(_("expires %(date)s") % {"date": format_jalali_date(policy.end_date)}))
    return localize_digits(" — ".join(part for part in parts if part))


def _choices(form: forms.Form, name: str, choices: list) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ResultForm(Form):
    result = forms.ChoiceField(label=_("Result"))
    call_back_date = JalaliDateField(label=_("Call back on"), required=False)
    # Any time may be typed; the list proposes the windows' half hours (the service refuses
    # a time outside them, proposing the next window).
    call_back_time = TimeField(label=_("at"))
    elsewhere_insurer = forms.ChoiceField(label=_("Renewed with"), required=False)
    new_book_policy = forms.ChoiceField(label=_("New policy"), required=False)
    channel = forms.ChoiceField(label=_("Renewed through"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(
        self,
        *args: Any,
        candidates: list[BookPolicy],
        insurers: list[tuple[str, str]],
        now: dt.datetime,
        **kwargs: Any,
    ) -> None:
        proposal = clock.next_call_back(now)
        local = proposal.astimezone(tehran())
        kwargs.setdefault(
            "initial",
            {
                "call_back_date": local.date(),
                "call_back_time": localize_digits(local.strftime("%H:%M")),
                "channel": Channel.CALL,
            },
        )
        super().__init__(*args, **kwargs)
        labels = dict(Result.choices)
        _choices(self, "result", [("", "—")] + [(value, labels[value]) for value in CALL_RESULTS])
        self.call_back_times = [
            (time.strftime("%H:%M"), localize_digits(time.strftime("%H:%M")))
            for time in CALL_BACK_TIMES
        ]
        self.fields["call_back_time"].widget.attrs["list"] = "call-back-times"
        names = dict(insurers)
        self.candidates = {str(policy.pk): policy for policy in candidates}
        _choices(
            self,
            "new_book_policy",
            [("", "—")] + [(str(policy.pk), policy_label(policy, names)) for policy in candidates],
        )
        channels = dict(Channel.choices)
        _choices(self, "channel", [(value, channels[value]) for value in CALL_CHANNELS])

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned form as ``result_record``'s keyword arguments."""
        data = self.cleaned_data
        call_back_at = None
        if data["result"] == Result.CALL_BACK and data.get("call_back_date"):
            call_back_at = clock.at(
                data["call_back_date"], data.get("call_back_time") or clock.CALL_BACK_WINDOWS[0][0]
            )
        return {
            "result": data["result"],
            "note": data.get("note") or "",
            "call_back_at": call_back_at,
            "elsewhere_insurer": data.get("elsewhere_insurer") or "",
            "new_book_policy": self.candidates.get(data.get("new_book_policy") or ""),
            "channel": data.get("channel") or Channel.CALL,
        }


class NumberForm(Form):
    mobile = MobileField(label=_("The right mobile number"))


class ReassignForm(Form):
    user_id = forms.TypedChoiceField(label=_("Give to"), coerce=int)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "user_id", [("", "—"), *candidates])
