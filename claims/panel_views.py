"""The selling agency's view of its customers' claims in the panel: read-only (decision 048).
Every row is read through ``claims.selectors`` with the agency from the request."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claims.models import Claim
from claims.selectors import claim_document, claim_of_agency, claim_timeline, claims_of_agency
from claims.views import document_response
from tenants.panel.base import panel_view

PAGE_SIZE = 50


@panel_view
@require_GET
def claim_list(request) -> HttpResponse:
    state = request.GET.get("state", "")
    claims = claims_of_agency(agency=request.agency)
    if state in Claim.State.values:
        claims = claims.filter(state=state)
    else:
        state = ""
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/panel/list.html",
        {"page": page, "claims": page.object_list, "state": state, "states": Claim.State.choices},
    )


def _claim_or_404(request, claim_id) -> Claim:
    claim = claim_of_agency(agency=request.agency, public_id=claim_id)
    if claim is None:
        raise Http404
    return claim


@panel_view
@require_GET
def claim_detail(request, filed_claim_id) -> HttpResponse:
    claim = _claim_or_404(request, filed_claim_id)
    return render(
        request,
        "claims/panel/detail.html",
        {
            "claim": claim,
            "documents": claim.documents.all(),
            "timeline": claim_timeline(claim=claim),
        },
    )


@panel_view
@require_GET
def claim_document_download(request, filed_claim_id, claim_document_id) -> FileResponse:
    document = claim_document(
        claim=_claim_or_404(request, filed_claim_id), public_id=claim_document_id
    )
    if document is None:
        raise Http404
    return document_response(document)
