"""The customer's claims on the storefront (main and agency sites): file one on a policy of
this site, follow it on its page (timeline, Jalali times), add missing documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.forms import ClaimForm, DocumentForm
from claims.models import Claim, ClaimDocument
from claims.selectors import (
    claim_document,
    claim_of_customer,
    claim_timeline,
    claimable_policy,
    claims_of_customer,
)
from claims.services import (
    OPEN_FOR_DOCUMENTS,
    checklist_for,
    claim_document_add,
    claim_file,
    documents_missing,
)
from core.forms import add_service_errors
from core.http import client_ip
from policies.models import Order
from policies.services.documents import policy_site_url

PAGE_SIZE = 20


def document_response(document: ClaimDocument) -> FileResponse:
    """A claim's document, downloaded (never shown inline; private storage)."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.kind}.{(document.file.name or '').rsplit('.', 1)[-1]}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def claim_list(request) -> HttpResponse:
    page = Paginator(
        claims_of_customer(customer=request.user, agency=request.agency), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "claims/list.html", {"page": page, "claims": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request, number: str) -> HttpResponse:
    policy = claimable_policy(customer=request.user, agency=request.agency, number=number)
    if policy is None:
        raise Http404
    if (
        request.agency is None
        and policy.order.channel == Order.Channel.AGENCY
        and policy.agency is not None
        and policy.agency.is_site_active
    ):
        # A policy sold on an agency's site: its claim is filed there, as its PDF is shown
        # (on the main site while that site is closed: the insurer still owes the claim).
        return redirect(policy_site_url(policy=policy, path=request.path))
    form = ClaimForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                claim = claim_file(
                    policy=policy,
                    customer=request.user,
                    occurred_at=form.occurred_at(),
                    province=form.cleaned_data["province"],
                    city=form.cleaned_data["city"],
                    place=form.cleaned_data["place"],
                    description=form.cleaned_data["description"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "occurred_at" in error.error_dict:
                    form.add_error("occurred_on", error.error_dict["occurred_at"])
                else:
                    add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Your claim is filed. Now upload the documents it needs.")
                )
                return redirect("claims:detail", claim.public_id)
        status = 400
    return render(
        request,
        "claims/new.html",
        {
            "policy": policy,
            "form": form,
            "checklist": checklist_for(line_code=policy.line.code),
        },
        status=status,
    )


def _claim_or_404(request, claim_id) -> Claim:
    claim = claim_of_customer(customer=request.user, agency=request.agency, public_id=claim_id)
    if claim is None:
        raise Http404
    return claim


def _detail(request, claim: Claim, form: DocumentForm | None = None, status: int = 200):
    checklist = checklist_for(line_code=claim.line.code)
    documents = list(claim.documents.all())
    have = {document.kind for document in documents}
    return render(
        request,
        "claims/detail.html",
        {
            "claim": claim,
            "documents": documents,
            "checklist": [
                {
                    "code": item.code,
                    "label": item.label,
                    "required": item.required,
                    "uploaded": item.code in have,
                }
                for item in checklist
            ],
            "missing": documents_missing(claim=claim),
            "timeline": claim_timeline(claim=claim),
            "may_upload": claim.state in OPEN_FOR_DOCUMENTS,
            "form": form or DocumentForm(checklist=checklist),
        },
        status=status,
    )


@login_required
@require_GET
def claim_detail(request, filed_claim_id) -> HttpResponse:
    return _detail(request, _claim_or_404(request, filed_claim_id))


@login_required
@require_POST
def claim_document_upload(request, filed_claim_id) -> HttpResponse:
    claim = _claim_or_404(request, filed_claim_id)
    form = DocumentForm(
        request.POST, request.FILES, checklist=checklist_for(line_code=claim.line.code)
    )
    if form.is_valid():
        try:
            claim_document_add(
                claim=claim,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                form.add_error("file", error.messages)
        else:
            messages.success(request, _("The document is uploaded."))
            return redirect("claims:detail", claim.public_id)
    return _detail(request, claim, form, status=400)


@login_required
@require_GET
def claim_document_download(request, filed_claim_id, claim_document_id) -> FileResponse:
    claim = _claim_or_404(request, filed_claim_id)
    document = claim_document(claim=claim, public_id=claim_document_id)
    if document is None:
        raise Http404
    return document_response(document)


def account_section(request) -> dict:
    """The account page's "My claims" card: the five newest, in one query."""
    newest = list(claims_of_customer(customer=request.user, agency=request.agency)[:6])
    return {"claims": newest[:5], "more": len(newest) > 5}
