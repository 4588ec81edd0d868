"""SMS automation's rows in the agency's schema. Templates (decision 035) store their text in
the canonical form (``{customer_name}``); people see and type the Persian names."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.sms.parts import Line
from core.text.fields import NormalizedCharField, NormalizedTextField, search_key_field


class SmsTemplate(models.Model):
    """A message with placeholders (قالب پیامک), sent on the service line (transactional:
    reminders, due dates) or the promotional line (campaigns)."""

    name = NormalizedCharField(_("name"), max_length=100)
    body = NormalizedTextField(_("text"))
    line = models.CharField(_("sender line"), max_length=12, choices=Line.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    updated_by_user_id = models.BigIntegerField(_("changed by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_key = search_key_field("name", verbose_name=_("search key"))

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["-updated_at", "-id"], name="messaging_template_recent")]

    def __str__(self) -> str:
        return self.name


# Each part's models live beside its code; Django finds them through this module.
from messaging.bulk.models import BulkListNumber, BulkSend, BulkSkip  # noqa: E402
from messaging.patterns.models import PatternOccurrence, SmsPattern  # noqa: E402

__all__ = [
    "BulkListNumber",
    "BulkSend",
    "BulkSkip",
    "PatternOccurrence",
    "SmsPattern",
    "SmsTemplate",
]
