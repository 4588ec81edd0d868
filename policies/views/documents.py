"""The e-policy PDF download and the public verification page (S-2.5)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.selectors import membership_get
from core.http import client_ip
from policies.models import Policy
from policies.selectors import policy_for_site
from policies.services.documents import (
    VerificationUnavailable,
    policy_for_verification,
    policy_pdf_content,
    policy_validity,
    verification_throttled,
)
from policies.services.events import Origin, sales_event_record


def _may_download(user, policy: Policy) -> bool:
    if policy.customer_id == user.pk or user.is_insurer_staff:
        return True
    return (
        policy.agency_id is not None
        and membership_get(user=user, agency_id=policy.agency_id) is not None
    )


@login_required
@require_GET
def policy_pdf(request, number: str):
    """The policy's PDF, for its customer, the selling agency's staff and insurer staff.
    Anyone else gets 404: the number's existence is not revealed."""
    policy = policy_for_site(number=number, agency=request.agency)
    if policy is None or not _may_download(request.user, policy):
        raise Http404
    content = policy_pdf_content(policy=policy)
    sales_event_record(
        event="pdf_downloaded", order=policy.order, actor=request.user, origin=Origin.of(request)
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="policy-{policy.number}.pdf"'
    return response


@require_GET
def verify_form(request):
    # Only letters and digits: a typed "/" or space would not fit the verification URL.
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isalnum())[:32]
    if code:
        return redirect("policies:verify", code=code)
    return render(request, "policies/verify_form.html")


@require_GET
def verify(request, code: str):
    """Whether a policy is valid, for whoever holds its printed code; nothing personal."""
    try:
        throttled = verification_throttled(ip_address=client_ip(request))
    except VerificationUnavailable:
        response = render(request, "policies/verify.html", {"unavailable": True}, status=503)
        response["Retry-After"] = "10"
        return response
    if throttled:
        return render(request, "policies/verify.html", {"throttled": True}, status=429)
    policy = policy_for_verification(code=code)
    if policy is None:
        return render(request, "policies/verify.html", {"code": code}, status=404)
    return render(
        request,
        "policies/verify.html",
        {"policy": policy, "validity": policy_validity(policy=policy), "code": code},
    )
