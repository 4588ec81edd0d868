"""Sales made from the panel (issue 12, item 8): an order the agency's staff opened for a
customer who phoned or walked in, paid by the customer on the agency's site."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from crm.models.customers import Customer


class PanelSale(models.Model):
    """An order of the public ledger made in the panel for ``customer``.

    The order (and its quote) are the ledger's rows, named by plain ids (no foreign key leaves
    the schema); line and premium are copied so that the list needs no join. The row says
    which customer of the agency the sale is for: the insured's national code on the order
    is this customer's, so the ledger sync books the issued policy on this card."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="panel_sales"
    )
    order_id = models.BigIntegerField(_("order (ledger)"), unique=True)
    order_public_id = models.UUIDField(_("order reference"), unique=True)
    quote_id = models.BigIntegerField(_("from quote"))
    line_code = models.SlugField(_("line"), max_length=40)
    premium = RialField(_("premium"))
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    link_sent_at = models.DateTimeField(_("link sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sale from the panel")
        verbose_name_plural = _("sales from the panel")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="crm_panelsale_recent"),
            models.Index(fields=["customer", "-created_at"], name="crm_panelsale_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.line_code} {self.order_id}"
