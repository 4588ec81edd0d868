"""Claims on the insurer's ops host: the queue (oldest first, by state and line, searched)
and a claim's page where the staff move it on (decision 048)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import insurer_view
from claims import services
from claims.forms import AssessmentForm, AssessorForm, PaidForm, RejectForm, RequestDocumentsForm
from claims.models import Claim
from claims.selectors import claim_document, claim_for_insurer, claim_timeline, claims_queue
from claims.services import CLAIM_ROLES, MOVES, checklist_for, documents_missing
from claims.views import document_response
from core.forms import add_service_errors
from core.keyset import keyset_page
from policies.models import Line

PAGE_SIZE = 50
staff_view = insurer_view(roles=CLAIM_ROLES)


@staff_view
@require_GET
def queue(request) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in Claim.State.values:
        state = ""
    line_code = request.GET.get("line", "")[:40]
    query = request.GET.get("q", "")[:100]
    claims = claims_queue(state=state, line_code=line_code, query=query)
    # Oldest first, a page after the last one shown: no count of the queue, no OFFSET.
    page = keyset_page(
        claims, field="filed_at", cursor=request.GET.get("after"), size=PAGE_SIZE, ascending=True
    )
    return render(
        request,
        "claims/ops/queue.html",
        {
            "page": page,
            "claims": page.rows,
            "state": state,
            "line_code": line_code,
            "q": query,
            "query": urlencode({"state": state, "line": line_code, "q": query}),
            "states": Claim.State.choices,
            "lines": Line.objects.order_by("position", "id").values_list("code", "name"),
        },
    )


def _claim_or_404(claim_id) -> Claim:
    claim = claim_for_insurer(public_id=claim_id)
    if claim is None:
        raise Http404
    return claim


def _detail(request, claim: Claim, forms: dict | None = None, status: int = 200):
    checklist = checklist_for(line_code=claim.line.code)
    documents = list(claim.documents.all())
    have = {document.kind for document in documents}
    forms = forms or {}
    return render(
        request,
        "claims/ops/detail.html",
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
            "moves": MOVES[claim.state],
            "request_form": forms.get("request") or RequestDocumentsForm(),
            "assessor_form": forms.get("assessor") or AssessorForm(),
            "assessment_form": forms.get("assess") or AssessmentForm(),
            "reject_form": forms.get("reject") or RejectForm(),
            "paid_form": forms.get("paid") or PaidForm(),
        },
        status=status,
    )


@staff_view
@require_GET
def detail(request, filed_claim_id) -> HttpResponse:
    return _detail(request, _claim_or_404(filed_claim_id))


@staff_view
@require_GET
def document(request, filed_claim_id, claim_document_id) -> FileResponse:
    found = claim_document(claim=_claim_or_404(filed_claim_id), public_id=claim_document_id)
    if found is None:
        raise Http404
    return document_response(found)


FORMS = {
    "request": RequestDocumentsForm,
    "assessor": AssessorForm,
    "assess": AssessmentForm,
    "reject": RejectForm,
    "paid": PaidForm,
}


def _run(action: str, claim: Claim, actor, data: dict) -> None:
    if action == "complete":
        services.claim_documents_complete(claim=claim, actor=actor)
    elif action == "request":
        services.claim_documents_request(claim=claim, actor=actor, note=data["note"])
    elif action == "assessor":
        services.claim_assessor_assign(claim=claim, actor=actor, assessor=data["assessor"])
    elif action == "assess":
        services.claim_assess(claim=claim, actor=actor, **data)
    elif action == "approve":
        services.claim_approve(claim=claim, actor=actor)
    elif action == "reject":
        services.claim_reject(claim=claim, actor=actor, reason=data["reason"])
    elif action == "order":
        services.claim_payment_order(claim=claim, actor=actor)
    elif action == "paid":
        services.claim_mark_paid(claim=claim, actor=actor, reference=data["reference"])
    else:
        raise Http404


ACTIONS = ("complete", "request", "assessor", "assess", "approve", "reject", "order", "paid")


@staff_view
@require_POST
def act(request, filed_claim_id, action: str) -> HttpResponse:
    """One move of the claim (the service checks the move against the table)."""
    if action not in ACTIONS:
        raise Http404
    claim = _claim_or_404(filed_claim_id)
    form_class = FORMS.get(action)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _detail(request, claim, {action: form}, status=400)
    try:
        _run(action, claim, request.user, form.cleaned_data if form is not None else {})
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
            return _detail(request, claim, {action: form}, status=409)
        for text in error.messages:
            messages.error(request, text)
        return _detail(request, _claim_or_404(filed_claim_id), status=409)
    messages.success(request, _("The claim is updated."))
    return redirect("ops-claims:detail", claim.public_id)
