"""Selling from the panel (decision 032): from a customer's card, pick a line, answer its
questions with the site's own form, see the premium, open the order and text the customer
the link to pay. The agency comes from ``panel_view``; every row is read in its schema, so
another agency's customer, quote or sale is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Conflict
from core.forms import Form, JalaliDateField, NumericField
from crm.models import Customer, PanelSale
from crm.selectors.selling import panel_sales, sale_rows
from crm.services import selling as services
from policies.forms import answers_form_class, form_add_errors
from policies.selectors import line_get_for_site, lines_for_site
from policies.services.events import Origin
from policies.services.quotes import quote_get
from tenants.panel.base import panel_view

PAGE_SIZE = 50


class InsuredForm(Form):
    """What the card may lack for the insured step (kept on the card once given)."""

    national_code = NumericField(label=gettext_lazy("National code"), max_length=20, required=False)
    birth_date = JalaliDateField(label=gettext_lazy("Birth date"), required=False)


def _customer(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None:
        raise Http404
    return customer


def _context(request: HttpRequest, customer: Customer, **extra: object) -> dict[str, object]:
    return {
        "agency": request.agency,  # type: ignore[attr-defined]
        "customer": customer,
        "opted_out": customer.sms_opted_out_at is not None,
        **extra,
    }


@panel_view
def sale_list(request: HttpRequest) -> HttpResponse:
    """The orders made in the panel, newest first, with where each stands."""
    page = Paginator(panel_sales(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/selling/list.html",
        {
            "agency": request.agency,  # type: ignore[attr-defined]
            "page": page,
            "rows": sale_rows(agency=request.agency, sales=list(page.object_list)),  # type: ignore[attr-defined]
        },
    )


@panel_view
def sale_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Step 1: the lines the agency sells on its site."""
    customer = _customer(customer_id)
    lines = lines_for_site(agency=request.agency)  # type: ignore[attr-defined]
    return render(request, "crm/selling/new.html", _context(request, customer, lines=lines))


@panel_view
@require_http_methods(["GET", "POST"])
def sale_quote(request: HttpRequest, customer_id: int, line_code: str) -> HttpResponse:
    """Step 2: the line's questions, the site's form; on submit, the site's quote."""
    customer = _customer(customer_id)
    line = line_get_for_site(code=line_code, agency=request.agency)  # type: ignore[attr-defined]
    if line is None:
        raise Http404
    form_class = answers_form_class(line=line, stage="quote")
    if request.method == "POST":
        form = form_class(request.POST)
        form.is_valid()
        try:
            quote = services.sale_quote(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,
                customer=customer,
                line_code=line.code,
                answers=request.POST,
                origin=Origin.of(request),
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            return redirect(
                "panel-selling:order", customer_id=customer.pk, quote_id=quote.public_id
            )
    else:
        form = form_class()
    return render(
        request, "crm/selling/quote.html", _context(request, customer, line=line, form=form)
    )


@panel_view
@require_http_methods(["GET", "POST"])
def sale_order(request: HttpRequest, customer_id: int, quote_id: str) -> HttpResponse:
    """Step 3: the premium; what the card lacks and the line's details; open the order."""
    customer = _customer(customer_id)
    quote = quote_get(public_id=quote_id, agency=request.agency)  # type: ignore[attr-defined]
    if quote is None:
        raise Http404
    details_class = answers_form_class(line=quote.line, stage="details")
    if request.method == "POST":
        insured, details = InsuredForm(request.POST), details_class(request.POST)
        insured.is_valid()
        details.is_valid()
        try:
            sale = services.sale_order_create(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,
                customer=customer,
                quote=quote,
                national_code=insured.cleaned_data.get("national_code") or "",
                birth_date=insured.cleaned_data.get("birth_date"),
                details={name: request.POST.get(name, "") for name in details.fields},
                origin=Origin.of(request),
            )
        except Conflict as error:
            messages.error(request, " ".join(error.messages))
        except ValidationError as error:
            _errors_to(error, insured, details)
        else:
            messages.success(request, _("The order was made. Send the customer the link to pay."))
            return redirect("panel-selling:detail", sale_id=sale.pk)
    else:
        insured, details = InsuredForm(), details_class()
    return render(
        request,
        "crm/selling/order.html",
        _context(
            request,
            customer,
            quote=quote,
            insured_form=insured,
            details_form=details,
            needs_code=not customer.national_code,
            needs_birth_date=customer.birth_date is None,
        ),
    )


def _errors_to(error: ValidationError, insured: forms.Form, details: forms.Form) -> None:
    """A service's errors next to the field of whichever form has it (else on top)."""
    if not hasattr(error, "error_dict"):
        insured.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        if field in details.fields:
            details.add_error(field, field_messages)
        elif field in insured.fields:
            insured.add_error(field, field_messages)
        else:
            insured.add_error(None, field_messages)


def _sale(sale_id: int) -> PanelSale:
    sale = panel_sales().filter(pk=sale_id).first()
    if sale is None:
        raise Http404
    return sale


@panel_view
def sale_detail(request: HttpRequest, sale_id: int) -> HttpResponse:
    """A sale: its order's state, and the link sent (or to send)."""
    sale = _sale(sale_id)
    row = sale_rows(agency=request.agency, sales=[sale])[0]  # type: ignore[attr-defined]
    if row.order is None:
        raise Http404
    return render(
        request,
        "crm/selling/detail.html",
        _context(
            request,
            sale.customer,
            row=row,
            payable=row.order.state in services.PAYABLE,
        ),
    )


@panel_view
@require_POST
def sale_send(request: HttpRequest, sale_id: int) -> HttpResponse:
    """Text the customer the link to the order."""
    sale = _sale(sale_id)
    try:
        services.sale_link_send(agency=request.agency, actor=request.user, sale=sale)  # type: ignore[attr-defined]
    except ValidationError as error:  # a Conflict too
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link is on its way to the customer's mobile."))
    return redirect("panel-selling:detail", sale_id=sale.pk)
