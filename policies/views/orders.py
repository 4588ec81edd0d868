"""Purchase steps, payment and the order page (S-2.3, S-2.4), on every storefront host.

Each step shows what is saved, sends what was typed to a service, and on refusal shows
the Persian errors next to the fields with everything typed still in place.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.jalali import format_jalali_date
from policies.forms import DeliveryForm, InsuredForm, answers_form_class, form_add_errors
from policies.models import Order, Payment
from policies.presentation import AnswerShown, order_answers_shown
from policies.selectors import order_for_customer
from policies.services import orders as services
from policies.services.events import Origin
from policies.services.payments import PaymentUnavailable, payment_complete, payment_start
from policies.services.quotes import quote_get

# The quote this browser pressed "buy" on before logging in (opened once it has).
BUY_AFTER_LOGIN = "policies:buy_after_login"

STEP_TITLES = {
    "insured": gettext_lazy("Insured person"),
    "details": gettext_lazy("Details"),
    "documents": gettext_lazy("Documents"),
    "delivery": gettext_lazy("Delivery"),
    "review": gettext_lazy("Review and pay"),
}


def _order(request, order_id) -> Order:
    order = order_for_customer(public_id=order_id, customer=request.user, agency=request.agency)
    if order is None:
        raise Http404
    return order


def _closed(order: Order) -> HttpResponse | None:
    """A paid, issued or closed order has no steps left: its page says where it stands."""
    if order.state in services.EDITABLE:
        return None
    return redirect("policies:order-detail", order_id=order.public_id)


def _form_errors_first(form, error: ValidationError) -> None:
    """Add a service's errors, except on fields the form already refused (one message each)."""
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {
                field: messages
                for field, messages in error.message_dict.items()
                if field not in form.errors
            }
        )
    form_add_errors(form, error)


def _next_step(order: Order) -> str:
    missing = services.order_missing_steps(order=order)
    return missing[0] if missing else "review"


def _step_url(order: Order, step: str) -> str:
    return reverse(f"policies:order-{step}", args=[order.public_id])


def _step_done(order: Order, code: str, missing: set[str]) -> bool:
    """A data step is done once its data is complete; the last one ("review and pay") only
    once the order is paid, which a page with the steps never shows."""
    if code == services.STEPS[-1]:
        return order.state in (Order.State.PAID, Order.State.ISSUED)
    return code not in missing


def _context(order: Order, step: str, **extra) -> dict:
    missing = set(services.order_missing_steps(order=order))
    steps = [
        {
            "code": code,
            "title": STEP_TITLES[code],
            "done": _step_done(order, code, missing),
            "url": _step_url(order, code),
        }
        for code in services.STEPS
    ]
    return {"order": order, "step": step, "steps": steps, **extra}


@require_http_methods(["GET", "POST"])
def order_start(request, quote_id):
    """ "Buy": open (or resume) the order of a quote made on this site.

    A visitor who is not logged in logs in first and then lands here again by GET, which
    opens the order only if this browser pressed "buy" on this quote (kept in its session:
    a link alone never opens an order); any other GET shows the quote.
    """
    quote = quote_get(public_id=quote_id, agency=request.agency)
    if quote is None:
        raise Http404
    if request.method == "GET":
        pending = request.session.get(BUY_AFTER_LOGIN)
        if not request.user.is_authenticated or pending != str(quote.public_id):
            return redirect("policies:quote-detail", public_id=quote.public_id)
        del request.session[BUY_AFTER_LOGIN]
    elif not request.user.is_authenticated:
        request.session[BUY_AFTER_LOGIN] = str(quote.public_id)
        again = reverse("policies:order-start", args=[quote.public_id])
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': again})}")
    try:
        order = services.order_start(
            quote=quote, customer=request.user, agency=request.agency, origin=Origin.of(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:quote", code=quote.line.code)
    return redirect(_step_url(order, _next_step(order)))


@login_required
@require_http_methods(["GET", "POST"])
def order_insured(request, order_id):
    order = _order(request, order_id)
    if closed := _closed(order):
        return closed
    if request.method == "POST":
        form = InsuredForm(request.POST)
        form.is_valid()
        data = {name: form.cleaned_data.get(name) for name in form.fields}
        try:
            # Called even when the form refused a field (it then gets an empty value and the
            # service refuses too): the customer sees every error at once.
            services.order_insured_save(
                order=order,
                actor=request.user,
                first_name=data["first_name"] or "",
                last_name=data["last_name"] or "",
                national_code=data["national_code"] or "",
                birth_date=data["birth_date"],
                mobile=data["mobile"] or "",
                origin=Origin.of(request),
            )
        except ValidationError as error:
            _form_errors_first(form, error)
        else:
            return redirect(_step_url(order, _next_step(order)))
    else:
        form = InsuredForm(
            initial={
                "first_name": order.insured_first_name,
                "last_name": order.insured_last_name,
                "national_code": order.insured_national_code,
                "birth_date": order.insured_birth_date,
                "mobile": order.insured_mobile,
            }
        )
    return render(request, "policies/order_step_form.html", _context(order, "insured", form=form))


@login_required
@require_http_methods(["GET", "POST"])
def order_details(request, order_id):
    order = _order(request, order_id)
    if closed := _closed(order):
        return closed
    form_class = answers_form_class(line=order.line, stage="details")
    if request.method == "POST":
        form = form_class(request.POST)
        form.is_valid()
        try:
            services.order_details_save(
                order=order, actor=request.user, answers=request.POST, origin=Origin.of(request)
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            return redirect(_step_url(order, _next_step(order)))
    else:
        form = form_class(initial=order.details)
    return render(request, "policies/order_step_form.html", _context(order, "details", form=form))


@login_required
@require_http_methods(["GET", "POST"])
def order_documents(request, order_id):
    order = _order(request, order_id)
    if closed := _closed(order):
        return closed
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        uploaded_any = False
        for requirement in order.line.document_requirements.all():
            uploaded = request.FILES.get(requirement.code)
            if uploaded is None:
                continue
            uploaded_any = True
            try:
                services.order_document_add(
                    order=order,
                    actor=request.user,
                    kind=requirement.code,
                    uploaded=uploaded,
                    origin=Origin.of(request),
                )
            except ValidationError as error:
                errors[requirement.code] = error.messages
        if not errors and (request.POST.get("continue") or not uploaded_any):
            try:
                services.order_documents_done(
                    order=order, actor=request.user, origin=Origin.of(request)
                )
            except ValidationError as error:
                errors["__all__"] = error.messages
            else:
                return redirect(_step_url(order, _next_step(order)))
        elif not errors:
            messages.success(request, _("Uploaded."))
            return redirect(_step_url(order, "documents"))
    uploaded = {document.kind: document for document in order.documents.all()}
    requirements = [
        {
            "requirement": requirement,
            "document": uploaded.get(requirement.code),
            "errors": errors.get(requirement.code, []),
        }
        for requirement in order.line.document_requirements.all()
    ]
    return render(
        request,
        "policies/order_documents.html",
        _context(order, "documents", requirements=requirements, errors=errors.get("__all__", [])),
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_delivery(request, order_id):
    order = _order(request, order_id)
    if closed := _closed(order):
        return closed
    dates = [(day.isoformat(), format_jalali_date(day)) for day in services.delivery_dates()]
    agency_site = order.agency_id is not None
    if request.method == "POST":
        form = DeliveryForm(request.POST, dates=dates, agency_site=agency_site)
        form.is_valid()
        data = form.cleaned_data
        if not form.errors:
            try:
                services.order_delivery_save(
                    order=order,
                    actor=request.user,
                    method=data.get("method") or "",
                    province=data.get("province") or "",
                    city=data.get("city") or "",
                    address=data.get("address") or "",
                    postal_code=data.get("postal_code") or "",
                    date=dt.date.fromisoformat(data["date"]) if data.get("date") else None,
                    slot=data.get("slot") or "",
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    origin=Origin.of(request),
                )
            except ValidationError as error:
                form_add_errors(form, error)
            else:
                return redirect(_step_url(order, _next_step(order)))
    else:
        form = DeliveryForm(
            initial={
                "method": order.delivery_method,
                "province": order.delivery_province
                or (order.agency.province if order.agency else ""),
                "city": order.delivery_city or (order.agency.city if order.agency else ""),
                "address": order.delivery_address,
                "postal_code": order.delivery_postal_code,
                "date": order.delivery_date.isoformat() if order.delivery_date else "",
                "slot": order.delivery_slot,
                "latitude": order.latitude,
                "longitude": order.longitude,
            },
            dates=dates,
            agency_site=agency_site,
        )
    return render(request, "policies/order_step_form.html", _context(order, "delivery", form=form))


def _details_shown(order: Order) -> list[AnswerShown]:
    return order_answers_shown(order)


@login_required
@require_http_methods(["GET", "POST"])
def order_review(request, order_id):
    order = _order(request, order_id)
    if closed := _closed(order):
        return closed
    missing = services.order_missing_steps(order=order)
    if request.method == "POST":
        try:
            services.order_submit(order=order, actor=request.user, origin=Origin.of(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return _pay(request, order)
    return render(
        request,
        "policies/order_review.html",
        _context(
            order,
            "review",
            missing=missing,
            details=_details_shown(order),
            documents=order.documents.all(),
        ),
    )


def _pay(request, order: Order):
    try:
        _payment, redirect_to = payment_start(
            order=order,
            actor=request.user,
            callback_url=lambda p: request.build_absolute_uri(
                reverse("policies:payment-callback", args=[p.public_id])
            ),
            origin=Origin.of(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:order-detail", order_id=order.public_id)
    if redirect_to.method == "POST":
        return render(request, "policies/order_bank_redirect.html", {"redirect": redirect_to})
    return HttpResponseRedirect(redirect_to.url)


@login_required
@require_POST
def order_pay(request, order_id):
    """Pay (again) an order awaiting payment."""
    order = _order(request, order_id)
    if order.state == Order.State.DRAFT:
        return redirect(_step_url(order, "review"))
    return _pay(request, order)


@login_required
@require_POST
def order_cancel(request, order_id):
    order = _order(request, order_id)
    try:
        services.order_cancel(order=order, actor=request.user, origin=Origin.of(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("policies:order-detail", order_id=order.public_id)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_callback(request, payment_id):
    """The bank sends the customer back here. Nothing in the request is trusted: the
    service verifies with the bank. No login is needed (the bank may drop the session)."""
    payment = Payment.objects.select_related("order").filter(public_id=payment_id).first()
    if payment is None:
        raise Http404
    params = {**request.GET.dict(), **request.POST.dict()}
    try:
        payment = payment_complete(payment=payment, params=params, origin=Origin.of(request))
    except PaymentUnavailable as error:
        messages.warning(request, " ".join(error.messages))
    else:
        if payment.state == Payment.State.SUCCEEDED:
            messages.success(request, _("Payment received. Thank you!"))
        elif payment.state in (Payment.State.FAILED, Payment.State.CANCELLED):
            messages.error(
                request, _("The payment was not completed. No money was taken; you can pay again.")
            )
    return redirect("policies:order-detail", order_id=payment.order.public_id)


@login_required
def order_detail(request, order_id):
    order = _order(request, order_id)
    policy = getattr(order, "policy", None) if order.state == Order.State.ISSUED else None
    return render(
        request,
        "policies/order_detail.html",
        {
            "order": order,
            "policy": policy,
            "payments": order.payments.all(),
            "next_step": _next_step(order) if order.state == Order.State.DRAFT else None,
            "details": _details_shown(order),
        },
    )
