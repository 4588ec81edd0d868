"""Forms of the ticket pages (the storefront's, the panel's and the insurer's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import Form, MultilineTextField, TextField
from support.models import Category
from support.services import BODY_MAX, SUBJECT_MAX


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class TicketForm(Form):
    category = CategoryChoiceField(
        label=_("Subject area"),
        queryset=Category.objects.filter(is_active=True).order_by("position", "id"),
        empty_label=None,
    )
    subject = TextField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = MultilineTextField(label=_("Your message"), max_length=BODY_MAX)
    file = forms.FileField(label=_("File (JPG, PNG or PDF, up to 5 MB)"), required=False)


class ReplyForm(Form):
    body = MultilineTextField(label=_("Your message"), max_length=BODY_MAX)
    file = forms.FileField(label=_("File (JPG, PNG or PDF, up to 5 MB)"), required=False)


class AnswerForm(Form):
    body = MultilineTextField(label=_("Answer"), max_length=BODY_MAX)
    ask = forms.BooleanField(
        label=_("This is a question: wait for the customer's reply"), required=False
    )


class NoteForm(Form):
    body = MultilineTextField(label=_("Internal note"), max_length=BODY_MAX)


class QueueFilterForm(Form):
    STATES = [
        ("waiting_on_us", _("Waiting for the insurer")),
        ("new", pgettext_lazy("ticket state", "New")),
        ("open", pgettext_lazy("ticket state", "Being handled")),
        ("waiting", _("Waiting for the customer")),
        ("answered", pgettext_lazy("ticket state", "Answered")),
        ("closed", pgettext_lazy("ticket state", "Closed")),
        ("all", _("All")),
    ]
    category = CategoryChoiceField(
        label=_("Queue"),
        queryset=Category.objects.order_by("position", "id"),
        required=False,
        empty_label=_("All queues"),
    )
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    late = forms.BooleanField(label=_("Late only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
