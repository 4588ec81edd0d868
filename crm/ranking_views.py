"""Ranking in the agency panel (S-6.4): owners and managers set the weights and band
percentages and ask for a recompute; the work is a tenant task queued on commit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import CustomerRank, RankingWeights
from crm.ranking_forms import RankingWeightsForm
from crm.services.ranking import (
    BAND_FIELDS,
    WEIGHT_FIELDS,
    ranking_recompute_request,
    ranking_weights_update,
)
from tenants.panel.base import panel_view


@panel_view(manage=True)
def ranking_weights_view(request) -> HttpResponse:
    weights = RankingWeights.objects.get(pk=1)
    initial = {field: getattr(weights, field) for field in (*WEIGHT_FIELDS, *BAND_FIELDS)}
    form = RankingWeightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ranking_weights_update(agency=request.agency, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved. The ranking is being recomputed."))
            return redirect("panel-ranking:weights")
    bands = dict(
        CustomerRank.objects.order_by()
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    last = CustomerRank.objects.aggregate(at=Max("computed_at"))["at"]
    return render(
        request,
        "crm/ranking/weights.html",
        {
            "agency": request.agency,
            "form": form,
            "bands": [
                (band, label, bands.get(band, 0)) for band, label in CustomerRank.Band.choices
            ],
            "last_computed": last,
        },
    )


@require_POST
@panel_view(manage=True)
def ranking_recompute_view(request) -> HttpResponse:
    ranking_recompute_request(agency=request.agency)
    messages.success(request, _("The ranking is being recomputed; it takes a minute or two."))
    return redirect("panel-ranking:weights")
