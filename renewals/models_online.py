"""The online renewal's record (decision 043): the order prepared to renew a policy of the
book, once per policy, so that asking again gives the same order while it can be paid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from crm.models import BookPolicy

__all__ = ["RenewalOffer"]


class RenewalOffer(models.Model):
    """The order (a public ledger row, by plain id) prepared to renew ``book_policy``: by
    the customer from the renewal link or by staff from the item. ``channel`` is credited
    when the new policy is issued and linked to the old (renewals.services.linking)."""

    book_policy = models.OneToOneField(
        BookPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="renewal_offer",
    )
    sale_id = models.BigIntegerField(_("sale from the panel"), null=True, blank=True)
    order_id = models.BigIntegerField(_("renewal order"), unique=True)
    quote_id = models.BigIntegerField(_("from quote"))
    line_code = models.SlugField(_("line"), max_length=40)
    premium = RialField(_("new premium"))
    channel = models.CharField(_("renewed through"), max_length=12)
    created_by_user_id = models.BigIntegerField(_("prepared by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("renewal offer")
        verbose_name_plural = _("renewal offers")

    def __str__(self) -> str:
        return f"{self.book_policy_id}: {self.order_id}"
