"""The agency's SMS credit in its panel (owners and managers): the balance, this month's
usage, the ledger with its filters and Excel, the online top-up and its return from the bank,
and the sending settings. The agency is ``request.agency`` and nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AgencyMembership
from core.forms import add_service_errors
from core.http import client_ip
from core.jalali import format_jalali_datetime
from core.models import SmsTopUpPayment
from core.sms.credit import sms_account
from core.xlsx import NUMBER, Column, XlsxWriter, xlsx_response
from messaging.credit import selectors, services
from messaging.credit.forms import LedgerFilter, SmsSettingsForm, TopUpForm
from tenants.panel.base import panel_view

PAGE_SIZE = 50
EXCEL_ROWS = 100_000


def _is_owner(request) -> bool:
    return request.membership.role == AgencyMembership.Role.OWNER


def _ledger(request):
    params = request.GET.copy()
    params.pop("page", None)
    form = LedgerFilter(params or None)
    filters = form.filters()
    entries = selectors.ledger_list(agency_id=request.agency.pk, **filters)
    return form, filters, params, entries


@panel_view(manage=True)
def credit_view(request) -> HttpResponse:
    form, filters, params, entries = _ledger(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/credit/credit.html",
        {
            "agency": request.agency,
            "summary": selectors.credit_summary(agency_id=request.agency.pk),
            "prices": selectors.part_prices(),
            "form": form,
            "page": page,
            "entries": page.object_list,
            "query": params.urlencode() if filters else "",
            "filtered": bool(filters and any(filters.values())),
            "excel_query": params.urlencode(),
            "top_up_form": TopUpForm() if _is_owner(request) else None,
            "top_up_min": services.TOP_UP_MIN,
            "top_up_max": services.TOP_UP_MAX,
        },
    )


@panel_view(manage=True)
def ledger_excel_view(request) -> HttpResponse:
    _form, _filters, _params, entries = _ledger(request)

    def write(book: XlsxWriter) -> None:
        sheet = book.sheet(
            _("SMS credit"),
            [
                Column(_("Date and time"), width=18),
                Column(_("Kind"), width=22),
                Column(_("Amount (rials)"), NUMBER),
                Column(_("Credit after (rials)"), NUMBER),
                Column(_("SMS messages"), NUMBER),
                Column(_("Parts"), NUMBER),
                Column(_("By"), width=20),
                Column(_("Note"), width=40),
            ],
        )
        for entry in entries[:EXCEL_ROWS].iterator(chunk_size=2000):
            sheet.row(
                [
                    format_jalali_datetime(entry.created_at),
                    entry.get_kind_display(),
                    int(entry.amount),
                    int(entry.balance_after),
                    entry.messages,
                    entry.parts,
                    entry.actor_label,
                    entry.note,
                ]
            )

    return xlsx_response(f"sms-credit-{request.agency.code}.xlsx", write)


@require_POST
@panel_view(manage=True)
def top_up_view(request) -> HttpResponse:
    """Start an online top-up: to the bank, or back to the page with the reason."""
    if not _is_owner(request):
        return render(
            request, "tenants/panel/forbidden.html", {"agency": request.agency}, status=403
        )
    form = TopUpForm(request.POST)
    if form.is_valid():
        try:
            _payment, redirect_to = services.top_up_payment_start(
                agency=request.agency,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                callback_url=lambda p: request.build_absolute_uri(
                    reverse("panel-sms-credit:return", args=[p.public_id])
                ),
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if redirect_to.method == "POST":
                return render(
                    request, "messaging/credit/bank_redirect.html", {"redirect": redirect_to}
                )
            return HttpResponseRedirect(redirect_to.url)
    for errors in form.errors.values():
        messages.error(request, " ".join(map(str, errors)))
    return redirect("panel-sms-credit:home")


@panel_view(manage=True)
def top_up_return_view(request, top_up_id) -> HttpResponse:
    """The bank sends the owner back here. Nothing in the request is trusted: the service
    verifies with the bank, and credits once however often this is opened."""
    payment = SmsTopUpPayment.objects.filter(
        public_id=top_up_id, agency_id=request.agency.pk
    ).first()
    if payment is None:
        raise Http404
    params = {**request.GET.dict(), **request.POST.dict()}
    try:
        payment = services.top_up_payment_complete(
            payment=payment, params=params, ip_address=client_ip(request)
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        if payment.state == SmsTopUpPayment.State.SUCCEEDED:
            messages.success(request, _("Payment received: the SMS credit was topped up."))
        elif payment.state in (SmsTopUpPayment.State.FAILED, SmsTopUpPayment.State.CANCELLED):
            messages.error(
                request,
                _("The payment was not completed. Nothing was credited and no money was taken."),
            )
    return redirect("panel-sms-credit:home")


@panel_view(manage=True)
def sms_settings_view(request) -> HttpResponse:
    account = sms_account(request.agency.pk)
    initial = {
        "window_start": account.window_start,
        "window_end": account.window_end,
        "automated_daily_cap": account.automated_daily_cap,
    }
    form = SmsSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sms_settings_update(
                agency=request.agency, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("panel-sms-credit:settings")
    return render(
        request,
        "messaging/credit/settings.html",
        {"agency": request.agency, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
