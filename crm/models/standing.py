"""Each customer's standing with the agency, as the loyal and unhappy reports rank it: counts
of their book, complaints and gifts, kept current by the database itself (decision 062)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from crm.models.customers import Customer


class CustomerStanding(models.Model):
    """One row per customer, rewritten inside every statement that changes the customer's
    book, complaints or gifts (triggers of migration ``0004_customer_standing``, which also
    makes the row of each new customer): always equal to the live figures, so the reports
    read one index instead of aggregating every customer's book."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="standing",
    )
    # Policies renewed (``renewed_by`` set or state renewed).
    renewals = models.IntegerField(_("renewals"), default=0, db_default=0)
    # Policies not cancelled, and their premium.
    policies = models.IntegerField(_("policies"), default=0, db_default=0)
    premium = RialField(_("premium"), default=0, db_default=0)
    # The start of the first policy of the book (any state).
    since = models.DateField(_("customer since"), null=True, blank=True)
    complaints = models.IntegerField(_("complaints"), default=0, db_default=0)
    # Complaints open, referred or not upheld, and when the latest of them was received.
    unsettled_complaints = models.IntegerField(_("unresolved complaints"), default=0, db_default=0)
    last_unsettled_at = models.DateTimeField(_("last complaint"), null=True, blank=True)
    displeased_gifts = models.IntegerField(_("displeased with gifts"), default=0, db_default=0)

    class Meta:
        verbose_name = _("customer standing")
        verbose_name_plural = _("customer standings")
        indexes = [
            # "Loyal": never a complaint nor a displeased gift, most renewals first.
            models.Index(
                models.F("renewals").desc(),
                models.F("since").asc(nulls_last=True),
                "customer",
                condition=Q(complaints=0, displeased_gifts=0),
                name="crm_standing_loyal",
            ),
            # "Unhappy": most unresolved complaints first, then the latest complaint.
            models.Index(
                models.F("unsettled_complaints").desc(),
                models.F("last_unsettled_at").desc(nulls_last=True),
                "customer",
                condition=Q(unsettled_complaints__gt=0) | Q(displeased_gifts__gt=0),
                name="crm_standing_unhappy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.renewals}"
