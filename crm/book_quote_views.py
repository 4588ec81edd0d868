"""Quotes on the agency's site that name a previous insurer, offered in the panel to become
prospective customers with that insurer's policy in the book."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.text import normalize_text
from crm.book_views import customer_card_url
from crm.models import BookPolicy
from crm.selectors.book import insurer_choices
from crm.services.book_quote import quote_to_prospect, quotes_with_previous_insurer
from tenants.panel.base import panel_view

PAGE_SIZE = 30


@panel_view
def quote_list(request) -> HttpResponse:
    page = Paginator(quotes_with_previous_insurer(agency=request.agency), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    quotes = list(page)
    taken = dict(
        BookPolicy.objects.filter(quote_id__in=[quote.pk for quote in quotes]).values_list(
            "quote_id", "customer_id"
        )
    )
    rows = [{"quote": quote, "customer_id": taken.get(quote.pk)} for quote in quotes]
    return render(
        request,
        "crm/book/quotes.html",
        {
            "agency": request.agency,
            "page": page,
            "rows": rows,
            "insurers": dict(insurer_choices()),
        },
    )


@require_POST
@panel_view
def quote_prospect(request, quote_id) -> HttpResponse:
    quote = quotes_with_previous_insurer(agency=request.agency).filter(public_id=quote_id).first()
    if quote is None:
        raise Http404
    try:
        policy = quote_to_prospect(
            agency=request.agency,
            actor=request.user,
            quote=quote,
            first_name=normalize_text(request.POST.get("first_name", "")),
            last_name=normalize_text(request.POST.get("last_name", "")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("crm-book:quotes")
    messages.success(request, _("The quote's visitor is in your customers, with the policy."))
    return redirect(customer_card_url(policy.customer_id))
