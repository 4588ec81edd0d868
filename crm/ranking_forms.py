"""The ranking weights page's form: six weights and three band percentages, typed in any
digits; the ranking service checks ranges."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.forms import DecimalField, Form, NumericField


class RankingWeightsForm(Form):
    premium_paid = DecimalField(label=_("Premium paid"), min_value=0, max_value=100)
    purchase_count = DecimalField(label=_("Number of purchases"), min_value=0, max_value=100)
    commission = DecimalField(label=_("Commission earned"), min_value=0, max_value=100)
    claims_paid = DecimalField(
        label=_("Claims paid"), min_value=0, max_value=100, help_text=_("Lowers the score.")
    )
    loss_ratio = DecimalField(
        label=_("Loss ratio"), min_value=0, max_value=100, help_text=_("Lowers the score.")
    )
    bounced_cheques = DecimalField(
        label=_("Bounced cheques"), min_value=0, max_value=100, help_text=_("Lowers the score.")
    )
    band_a_percent = NumericField(label=_("Band A: top percent of customers"), max_length=3)
    band_b_percent = NumericField(label=_("Band B: next percent"), max_length=3)
    band_c_percent = NumericField(
        label=_("Band C: next percent"), max_length=3, help_text=_("The rest are band D.")
    )
