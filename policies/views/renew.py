"""Renew from the account (S-2.6, decision 050): the line's quote prefilled from the old
policy, then the normal purchase with the new order linked to the old policy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.jalali import tehran_today
from policies.forms import answers_form_class, form_add_errors
from policies.selectors import policies_of_customer, policy_for_site
from policies.services.documents import policy_site_url
from policies.services.events import Origin
from policies.services.quotes import quote_create
from policies.services.renewal import (
    renewal_answers_of,
    renewal_open_order,
    renewal_order_start,
    renewal_refusal,
)


@login_required
@require_http_methods(["GET", "POST"])
def renew(request, number: str):
    policy = policy_for_site(number=number, agency=request.agency)
    if policy is None or policy.customer_id != request.user.pk:
        # The main site's account lists every policy; each is renewed where it was sold.
        elsewhere = (
            policies_of_customer(customer=request.user, agency=None).filter(number=number).first()
        )
        if elsewhere is None:
            raise Http404
        return redirect(policy_site_url(policy=elsewhere, path=request.path))
    today = tehran_today()
    try:
        renewal_refusal(policy=policy, customer=request.user, today=today)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("policies:account"))
    open_order = renewal_open_order(policy=policy, customer=request.user)
    if open_order is not None:
        return redirect("policies:order-detail", order_id=open_order.public_id)
    form_class = answers_form_class(line=policy.line, stage="quote")
    if request.method == "POST":
        form = form_class(request.POST)
        form.is_valid()
        try:
            quote = quote_create(
                line=policy.line.code,
                answers=request.POST,
                agency=request.agency,
                user=request.user,
                origin=Origin.of(request),
            )
            order = renewal_order_start(
                policy=policy,
                quote=quote,
                customer=request.user,
                agency=request.agency,
                today=today,
                origin=Origin.of(request),
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            return redirect("policies:order-insured", order_id=order.public_id)
        status = 400
    else:
        form = form_class(initial=renewal_answers_of(policy=policy, today=today).answers)
        status = 200
    return render(request, "policies/renew.html", {"policy": policy, "form": form}, status=status)
