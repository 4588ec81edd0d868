"""Contact patterns (seed 001): a template sent automatically on an event of the agency's
book, and the record of every decision, so that each is taken once (decision 037)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.sms.parts import Line
from core.text.fields import NormalizedCharField


class Event(models.TextChoices):
    EXPIRY_BEFORE = "expiry_before", _("Before a policy expires (renewal invitation)")
    EXPIRY_AFTER = "expiry_after", _("After a policy expired without renewal")
    RENEWED = "renewed", _("After a renewal (thanks)")
    PURCHASED = "purchased", _("After a purchase (thanks)")
    CHEQUE_DUE = "cheque_due", _("Before a cheque or note is due")
    ACTIVITY = "activity", _("Before an activity")
    CLAIM_FILED = "claim_filed", _("When a claim is filed")
    CLAIM_PAID = "claim_paid", _("When a claim is paid")
    BIRTHDAY = "birthday", _("On the customer's birthday")


# Events whose offset counts days before the event; the others count days after it.
BEFORE_EVENTS = frozenset({Event.EXPIRY_BEFORE, Event.CHEQUE_DUE, Event.ACTIVITY})
# Greetings are advertising (promotional line, inside the window); the rest is service.
PROMOTIONAL_EVENTS = frozenset({Event.BIRTHDAY})


def event_line(event: str) -> str:
    return Line.PROMOTIONAL if event in PROMOTIONAL_EVENTS else Line.SERVICE


class SmsPattern(models.Model):
    """Send ``template`` ``offset_days`` before or after ``event``, at ``send_time``."""

    name = NormalizedCharField(_("name"), max_length=100)
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    offset_days = models.PositiveSmallIntegerField(_("days"), default=0)
    template = models.ForeignKey(
        "messaging.SmsTemplate",
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="patterns",
    )
    send_time = models.TimeField(_("time of day"), default=dt.time(10, 0))
    # Only policies of this line (the book's line code); blank: every line.
    line_code = models.SlugField(_("line"), max_length=40, blank=True)
    is_active = models.BooleanField(_("on"), default=False)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact pattern")
        verbose_name_plural = _("contact patterns")
        ordering = ["event", "offset_days", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset_days__lte=365), name="messaging_pattern_offset_year"
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def line(self) -> str:
        return event_line(self.event)


class PatternOccurrence(models.Model):
    """A pattern's decision about one subject's occurrence of its event: sent (with the
    message) or skipped (with the reason). Unique, so each is decided once, ever."""

    class Outcome(models.TextChoices):
        SENT = "sent", pgettext_lazy("pattern outcome", "Sent")
        SKIPPED = "skipped", pgettext_lazy("pattern outcome", "Skipped")

    class Reason(models.TextChoices):
        NO_CONSENT = "no_consent", _("No consent to SMS")
        OPTED_OUT = "opted_out", _("Opted out of SMS")
        NO_MOBILE = "no_mobile", _("No mobile number")
        MISSING = "missing", _("A placeholder had no value")
        MERGED = "merged", _("Customer merged into another")

    pattern = models.ForeignKey(
        SmsPattern,
        verbose_name=_("contact pattern"),
        on_delete=models.CASCADE,
        related_name="occurrences",
    )
    subject_kind = models.CharField(_("subject"), max_length=10)
    subject_id = models.BigIntegerField(_("subject id"))
    occurrence = models.CharField(_("occurrence"), max_length=30)
    customer_id = models.BigIntegerField(_("customer"))
    outcome = models.CharField(_("decision"), max_length=8, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    sms_message_id = models.BigIntegerField(_("message"), null=True, blank=True)
    run_date = models.DateField(_("run date"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pattern decision")
        verbose_name_plural = _("pattern decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pattern", "subject_kind", "subject_id", "occurrence"],
                name="messaging_occurrence_once",
            )
        ]
        indexes = [models.Index(fields=["pattern", "-decided_at"], name="messaging_occ_recent")]

    def __str__(self) -> str:
        return f"{self.pattern_id}:{self.subject_kind}#{self.subject_id}@{self.occurrence}"
