"""The customer's side of cancellations (storefront hosts, under ``account/cancellations/``):
request with the refund shown before confirming, the list, one request, withdrawing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cancellations.forms import RequestForm
from cancellations.selectors import (
    customer_cancellation_get,
    customer_cancellations,
    customer_policy_elsewhere,
    customer_policy_get,
)
from cancellations.services import (
    cancellation_quote,
    cancellation_request,
    cancellation_withdraw,
)
from core.forms import add_service_errors
from core.jalali import tehran_today
from policies.services.documents import policy_site_url

PAGE_SIZE = 20


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError) and not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return str(error)


@login_required
@require_http_methods(["GET", "POST"])
def request_cancellation(request, number: str) -> HttpResponse:
    """Step 1: the day and the reason; step 2 (``preview``): the figures and "confirm"."""
    policy = customer_policy_get(customer=request.user, agency=request.agency, number=number)
    if policy is None:
        # The account on the main site lists every policy; each is handled where it was sold.
        elsewhere = customer_policy_elsewhere(customer=request.user, number=number)
        if elsewhere is None:
            raise Http404
        return redirect(policy_site_url(policy=elsewhere, path=request.path))
    form = RequestForm(request.POST or None, initial={"last_day": tehran_today()})
    quote = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("confirm") == "1":
                created = cancellation_request(
                    policy=policy,
                    customer=request.user,
                    last_day=data["last_day"],
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(
                    request, _("Your request is sent; the insurer will decide it shortly.")
                )
                return redirect("cancellations:detail", cancellation_id=created.public_id)
            quote = cancellation_quote(
                policy=policy, customer=request.user, last_day=data["last_day"]
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            add_service_errors(form, error)
            status = 409 if not hasattr(error, "error_dict") else 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "cancellations/request.html",
        {"policy": policy, "form": form, "quote": quote},
        status=status,
    )


@login_required
def cancellation_list(request) -> HttpResponse:
    page = Paginator(
        customer_cancellations(customer=request.user, agency=request.agency), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "cancellations/list.html", {"page": page})


@login_required
def cancellation_detail(request, cancellation_id) -> HttpResponse:
    found = customer_cancellation_get(
        customer=request.user, agency=request.agency, public_id=cancellation_id
    )
    if found is None:
        raise Http404
    return render(request, "cancellations/detail.html", {"item": found})


@login_required
@require_POST
def cancellation_withdraw_view(request, cancellation_id) -> HttpResponse:
    found = customer_cancellation_get(
        customer=request.user, agency=request.agency, public_id=cancellation_id
    )
    if found is None:
        raise Http404
    try:
        cancellation_withdraw(request=found, customer=request.user)
    except ValidationError as error:
        messages.error(request, _refusal_text(error))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("cancellations:detail", cancellation_id=found.public_id)


def account_section(request) -> dict:
    """The account page's card: the customer's latest requests (one query)."""
    items = list(customer_cancellations(customer=request.user, agency=request.agency)[:5])
    return {"items": items}
