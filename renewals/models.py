"""The renewal workflow's records, in the agency's schema beside its book (decision 041).

A ``WorkItem`` is one policy to call about, once per kind: its renewal (25 days before
expiry), its lapse (expired more than 48 hours and not renewed) or the follow-up call after
it was issued. Items are given out by a ``DistributionRun`` (one per kind and day, with its
random seed and the shares it gave each staff member, so a split can be shown to be fair).
Every call is a ``CallResult``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import RialField
from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models import BookPolicy, Customer


class Kind(models.TextChoices):
    RENEWAL = "renewal", pgettext_lazy("work item kind", "Renewal")
    LAPSED = "lapsed", pgettext_lazy("work item kind", "Lapsed")
    FOLLOWUP = "followup", pgettext_lazy("work item kind", "Follow-up after issuance")


class Result(models.TextChoices):
    """What a call came to. The first eight are S-7.3's (renewal and lapsed items); the
    last two are the follow-up call's (S-7.5), which also uses not reachable and wrong
    number."""

    RENEWED = "renewed", _("Renewed")
    WILL_RENEW = "will_renew", _("Will renew")
    CALL_BACK = "call_back", _("Call back")
    NOT_REACHABLE = "not_reachable", _("Not reachable")
    DECLINED_PRICE = "declined_price", _("Declined (price)")
    DECLINED_SOLD = "declined_sold", _("Declined (sold the vehicle)")
    RENEWED_ELSEWHERE = "renewed_elsewhere", _("Renewed elsewhere")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CONFIRMED = "confirmed", _("Delivery and satisfaction confirmed")
    COMPLAINT = "complaint", _("Answered with a complaint")


# Results that end a renewal or lapsed item.
FINAL_RESULTS = frozenset(
    {
        Result.RENEWED,
        Result.DECLINED_PRICE,
        Result.DECLINED_SOLD,
        Result.RENEWED_ELSEWHERE,
    }
)
# Results that end a follow-up item.
FOLLOWUP_FINAL_RESULTS = frozenset({Result.CONFIRMED, Result.COMPLAINT})


class Channel(models.TextChoices):
    """Who or what brought the renewal in (it is credited to it)."""

    ONLINE_LINK = "online_link", _("Online, from the renewal link")
    CALL = "call", _("By phone")
    IN_PERSON = "in_person", _("In person")
    SITE = "site", _("On the site, unprompted")


class RenewalSettings(models.Model):
    """The agency's renewal settings: exactly one row (id 1) per agency schema, created by
    the migration."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    # Seed 004: a "red star" and points for each successful renewal.
    points_per_renewal = models.PositiveSmallIntegerField(_("points per renewal"), default=10)
    # How far back a first run looks for lapsed policies (days after expiry).
    lapsed_horizon_days = models.PositiveSmallIntegerField(
        _("lapsed policies looked at (days after expiry)"), default=60
    )
    followup_enabled = models.BooleanField(_("follow-up calls after issuance"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("renewal settings")
        verbose_name_plural = _("renewal settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="renewal_settings_one_row")]

    def __str__(self) -> str:
        return str(_("renewal settings"))


class ServiceStaff(models.Model):
    """Who takes renewal calls. Without a row, an active member with the staff role does and
    owners and managers do not; a row says otherwise, or records leave."""

    user_id = models.BigIntegerField(_("staff member"), unique=True)
    in_pool = models.BooleanField(_("takes renewal calls"), default=True)
    leave_from = models.DateField(_("on leave from"), null=True, blank=True)
    leave_until = models.DateField(_("on leave until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service staff member")
        verbose_name_plural = _("service staff")
        constraints = [
            models.CheckConstraint(
                condition=Q(leave_from__isnull=True)
                | Q(leave_until__isnull=True)
                | Q(leave_until__gte=models.F("leave_from")),
                name="renewal_staff_leave_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"staff {self.user_id}"


class DistributionRun(models.Model):
    """One day's split of one kind's new items: taken once (unique kind and day). ``seed``
    drove the random order; ``shares`` maps each staff member (user id, as a string) to the
    number of items given; ``skipped`` maps those left out to why (``behind``, ``leave``)."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("day"))
    seed = models.BigIntegerField(_("random seed"))
    shares = models.JSONField(_("shares"), default=dict)
    skipped = models.JSONField(_("left out"), default=dict)
    items = models.PositiveIntegerField(_("items given out"), default=0)
    left_unassigned = models.PositiveIntegerField(_("items left for later"), default=0)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "day"], name="renewal_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"


class WorkItem(models.Model):
    """One policy to call about, for one ``kind``: made once (unique kind and policy).

    ``queue`` is where the item waits: the calls list, the "find the number" list (a wrong
    number) or, for a follow-up, "details to correct" (three unanswered days: sent back to
    the issuing agency). An open item is on its staff member's list on the day of
    ``next_call_at`` (or at once when empty); its result is due by ``due_at`` (17:00 Tehran
    the day after it was given out or called back).
    """

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("work item state", "Open")
        CLOSED = "closed", pgettext_lazy("work item state", "Closed")

    class Queue(models.TextChoices):
        CALLS = "calls", _("Calls")
        FIND_NUMBER = "find_number", _("Find the number")
        CORRECT_DETAILS = "correct_details", _("Details to correct")

    class Outcome(models.TextChoices):
        RENEWED = "renewed", _("Renewed")
        DECLINED_PRICE = "declined_price", _("Declined (price)")
        DECLINED_SOLD = "declined_sold", _("Declined (sold the vehicle)")
        RENEWED_ELSEWHERE = "renewed_elsewhere", _("Renewed elsewhere")
        LAPSED = "lapsed", _("Lapsed")
        CONFIRMED = "confirmed", _("Delivery and satisfaction confirmed")
        COMPLAINT = "complaint", _("Answered with a complaint")
        CANCELLED = "cancelled", _("Policy cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the policy so that lists and figures never join the book.
    line_code = models.SlugField(_("line"), max_length=40)
    end_date = models.DateField(_("expiry date"), null=True, blank=True)
    premium = RialField(_("premium"), null=True, blank=True)
    commission = RialField(_("commission"), null=True, blank=True)

    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    queue = models.CharField(_("list"), max_length=16, choices=Queue.choices, default=Queue.CALLS)
    assigned_to_user_id = models.BigIntegerField(_("staff member"), null=True, blank=True)
    assigned_on = models.DateField(_("given out on"), null=True, blank=True)
    run = models.ForeignKey(
        DistributionRun,
        verbose_name=_("distribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    due_at = models.DateTimeField(_("result due by"), null=True, blank=True)
    next_call_at = models.DateTimeField(_("call at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("calls"), default=0)
    # Follow-up: successive days without an answer (three make the details inaccurate).
    unanswered_days = models.PositiveSmallIntegerField(_("days without an answer"), default=0)
    last_result = models.CharField(
        _("last result"), max_length=20, choices=Result.choices, blank=True
    )
    last_result_at = models.DateTimeField(_("last result at"), null=True, blank=True)

    outcome = models.CharField(
        pgettext_lazy("work item", "outcome"), max_length=20, choices=Outcome.choices, blank=True
    )
    channel = models.CharField(
        _("renewed through"), max_length=12, choices=Channel.choices, blank=True
    )
    elsewhere_insurer = NormalizedCharField(_("renewed with"), max_length=100, blank=True)
    new_book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("new policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The order prepared for the renewal (online link or staff), a public id.
    renewal_order_id = models.BigIntegerField(_("renewal order"), null=True, blank=True)
    renewal_premium = RialField(_("new premium"), null=True, blank=True)
    renewal_commission = RialField(_("new commission"), null=True, blank=True)
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    # Who gets the credit (the staff member the item was with when it closed, if any).
    credited_user_id = models.BigIntegerField(_("credited to"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by_user_id = models.BigIntegerField(_("closed by"), null=True, blank=True)
    created_on = models.DateField(_("entered the list on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["end_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "book_policy"], name="renewal_item_once"),
            models.CheckConstraint(
                condition=Q(state="open", outcome="") | Q(state="closed") & ~Q(outcome=""),
                name="renewal_item_outcome_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(assigned_to_user_id__isnull=True) | Q(assigned_on__isnull=False),
                name="renewal_item_assigned_on_a_day",
            ),
        ]
        indexes = [
            # A staff member's list: their open items by call time.
            models.Index(
                fields=["assigned_to_user_id", "queue", "next_call_at", "id"],
                condition=Q(state="open"),
                name="renewal_item_staff_list",
            ),
            # Who is behind: open items past their due time.
            models.Index(
                fields=["due_at"],
                condition=Q(state="open", assigned_to_user_id__isnull=False),
                name="renewal_item_due",
            ),
            # Items waiting for a distribution.
            models.Index(
                fields=["kind", "id"],
                condition=Q(state="open", assigned_to_user_id__isnull=True),
                name="renewal_item_unassigned",
            ),
            # Figures: by expiry month and by the day closed.
            models.Index(fields=["kind", "end_date"], name="renewal_item_expiry"),
            models.Index(
                fields=["credited_user_id", "closed_at"],
                condition=Q(outcome="renewed"),
                name="renewal_item_renewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.book_policy_id}"


class CallResult(models.Model):
    """One call on an item and what it came to."""

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="results"
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = NormalizedTextField(_("note"), blank=True)
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    elsewhere_insurer = NormalizedCharField(_("renewed with"), max_length=100, blank=True)
    by_user_id = models.BigIntegerField(_("by"), null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call result")
        verbose_name_plural = _("call results")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["item", "-at"], name="renewal_result_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"


class FollowupReturn(models.Model):
    """A follow-up item sent back to the issuing agency (S-7.5, decision 044): three days
    without an answer, or a wrong number, made the customer's contact details inaccurate.
    The agency is told once by SMS (``sms_message_id`` is set by the task that queues it,
    so a task run twice sends one message); ``corrected_at`` is set when the details are
    corrected and the item goes back to the calls list."""

    class Reason(models.TextChoices):
        UNANSWERED = "unanswered", _("No answer on three days")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="returns"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    by_user_id = models.BigIntegerField(_("by"), null=True, blank=True)
    sms_to = models.CharField(_("SMS to"), max_length=11, blank=True)
    sms_message_id = models.BigIntegerField(_("SMS message"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    corrected_by_user_id = models.BigIntegerField(_("corrected by"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent back at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up sent back")
        verbose_name_plural = _("follow-ups sent back")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item", "-created_at"], name="renewal_return_item"),
            # The day's sweep: messages never queued (the broker was down).
            models.Index(
                fields=["created_at"],
                condition=Q(sms_message_id__isnull=True),
                name="renewal_return_sms_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.reason}"


from renewals.models_online import *  # noqa
