"""Forms of the cases pages: Jalali dates, times and amounts in any digits, members of the
agency as assignees. They only clean input; the services decide."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.forms import (
    DecimalField,
    Form,
    JalaliDateField,
    MultilineTextField,
    TextField,
    localized_example,
)
from core.jalali import tehran
from crm.models import Activity, Case, ClaimRecord, Complaint, Gift
from crm.services.care import RANK_BANDS

SHORT_TEXT = forms.Textarea(attrs={"rows": 3})
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:.٫]\s*(\d{2})\s*$")


class TimeField(forms.CharField):
    """A time of day as ``14:30`` in any digits; empty is allowed where the field is."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "dir": "ltr",
                    "inputmode": "numeric",
                    "size": 5,
                    "placeholder": localized_example("14:30"),
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.time | None:  # type: ignore[override]
        text = to_latin_digits(str(value or "")).strip()
        if not text:
            return None
        match = _TIME.match(text)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValidationError(_("Write the time as hour:minute, e.g. 14:30."), code="invalid")
        return dt.time(int(match.group(1)), int(match.group(2)))


def at(day: dt.date | None, time: dt.time | None, default: dt.time) -> dt.datetime | None:
    """A Tehran day and time as an aware moment."""
    if day is None:
        return None
    return dt.datetime.combine(day, time or default, tzinfo=tehran())


def member_choices(members: list[tuple[int, str]], *, blank: bool = True) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", "—")] if blank else []
    return choices + [(str(pk), name) for pk, name in members]


class _MemberChoiceField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)


class CaseForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Case.Kind.choices)
    title = TextField(label=_("Title"), max_length=200)
    description = MultilineTextField(label=_("Description"), required=False, widget=SHORT_TEXT)
    assignee = _MemberChoiceField(label=_("Assigned to"), required=False)
    due_date = JalaliDateField(label=_("Due date"), required=False)
    due_time = TimeField(label=_("Due time"))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Case.Priority.choices, coerce=int, initial=2
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = member_choices(members)  # type: ignore[attr-defined]

    def due_at(self) -> dt.datetime | None:
        return at(self.cleaned_data["due_date"], self.cleaned_data["due_time"], dt.time(17, 0))


class ActivityForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    subject = TextField(label=_("Subject"), max_length=200)
    note = MultilineTextField(label=_("Note"), required=False, widget=SHORT_TEXT)
    assignee = _MemberChoiceField(label=_("Assigned to"), required=False)
    due_date = JalaliDateField(label=_("Due date"), required=False)
    due_time = TimeField(label=_("Due time"))
    remind_date = JalaliDateField(label=_("Remind on"), required=False)
    remind_time = TimeField(label=_("Remind at"))

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = member_choices(members)  # type: ignore[attr-defined]

    def due_at(self) -> dt.datetime | None:
        return at(self.cleaned_data["due_date"], self.cleaned_data["due_time"], dt.time(9, 0))

    def remind_at(self) -> dt.datetime | None:
        return at(self.cleaned_data["remind_date"], self.cleaned_data["remind_time"], dt.time(8, 0))


class RescheduleForm(Form):
    due_date = JalaliDateField(label=_("Due date"), required=False)
    due_time = TimeField(label=_("Due time"))
    remind_date = JalaliDateField(label=_("Remind on"), required=False)
    remind_time = TimeField(label=_("Remind at"))

    def due_at(self) -> dt.datetime | None:
        return at(self.cleaned_data["due_date"], self.cleaned_data["due_time"], dt.time(9, 0))

    def remind_at(self) -> dt.datetime | None:
        return at(self.cleaned_data["remind_date"], self.cleaned_data["remind_time"], dt.time(8, 0))


class ResultForm(Form):
    result = MultilineTextField(label=_("Result"), required=False, widget=SHORT_TEXT)


class CloseForm(Form):
    state = forms.ChoiceField(
        label=_("Close as"),
        choices=[
            (Case.State.DONE, Case.State.DONE.label),
            (Case.State.CANCELLED, Case.State.CANCELLED.label),
        ],
    )
    result = MultilineTextField(label=_("Result"), required=False, widget=SHORT_TEXT)


class AssignForm(Form):
    assignee = _MemberChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = member_choices(members)  # type: ignore[attr-defined]


class AttachmentForm(Form):
    file = forms.FileField(label=_("File (JPG, PNG or PDF, up to 5 MB)"))


class CaseFilterForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Case.Kind.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("open", _("Open and in progress")), ("", _("All states")), *Case.State.choices],
        required=False,
    )
    assignee = _MemberChoiceField(label=_("Assigned to"), required=False)
    due_from = JalaliDateField(label=_("Due from"), required=False)
    due_to = JalaliDateField(label=_("Due until"), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = member_choices(members)  # type: ignore[attr-defined]


class ComplaintForm(Form):
    subject = TextField(label=_("Subject"), max_length=200)
    text = MultilineTextField(label=_("Complaint"), widget=SHORT_TEXT)


class ReferForm(Form):
    referred_to = _MemberChoiceField(label=_("Refer to"))

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referred_to"].choices = member_choices(members, blank=False)  # type: ignore[attr-defined]


class ResolveForm(Form):
    result = MultilineTextField(label=_("Result"), widget=SHORT_TEXT)
    upheld = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", Complaint.State.RESOLVED.label), ("0", Complaint.State.REJECTED.label)],
        coerce=lambda value: value == "1",
    )


class ClaimForm(Form):
    number = TextField(label=_("Claim file number"), max_length=60, required=False)
    description = MultilineTextField(label=_("Description"), required=False, widget=SHORT_TEXT)
    occurred_on = JalaliDateField(label=_("Loss date"), required=False)
    filed_at = JalaliDateField(label=_("Filed on"))
    claimed_amount = DecimalField(label=_("Amount claimed (rials)"), required=False)
    paid_amount = DecimalField(label=_("Amount paid (rials)"), required=False)
    paid_at = JalaliDateField(label=_("Paid on"), required=False)
    state = forms.ChoiceField(label=_("State"), choices=ClaimRecord.State.choices)


class GiftForm(Form):
    kind = TextField(label=_("Gift"), max_length=100)
    value = DecimalField(label=_("Value (rials)"), required=False)
    planned_for = JalaliDateField(label=_("Planned for"), required=False)


class GiftBandForm(GiftForm):
    band = forms.ChoiceField(label=_("Rank band"), choices=[(band, band) for band in RANK_BANDS])
    skip_given_since = JalaliDateField(
        label=_("Leave out customers given a gift since"), required=False
    )


class GiftGiveForm(Form):
    given_at = JalaliDateField(label=_("Given on"), required=False)


class GiftResponseForm(Form):
    response = forms.ChoiceField(
        label=_("Response"),
        choices=[choice for choice in Gift.Response.choices if choice[0]],
    )
    note = MultilineTextField(label=_("Notes"), required=False, widget=SHORT_TEXT)
