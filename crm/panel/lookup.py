"""Caller lookup (S-6.5) on the panel: a page with a phone box (the member looks up), the
telephony endpoint ``/api/crm/lookup`` (the agency's telephony system, by its token, or a
logged-in member), and the settings page where owners and managers make that token."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.digits import to_latin_digits
from crm.models import Case, CrmSettings, Customer, Instrument
from crm.services.lookup import CallerLookup, caller_lookup
from crm.services.telephony import telephony_agency, telephony_token_revoke, telephony_token_rotate
from tenants.models import Agency
from tenants.panel.base import panel_view
from tenants.services import agency_inactive_message


def register_url(number: str) -> str:
    """The new-customer form with this number filled in, as a prospect from a call."""
    query = urlencode({"phone": number, "from_lookup": "1"})
    return f"{reverse('panel-crm-customers:create')}?{query}"


@panel_view
def lookup_page(request) -> HttpResponse:
    """``?phone=`` (typed in the box, or opened by a telephony screen pop): one holder opens
    their card, several are listed, none offers to register the number."""
    phone = (request.GET.get("phone") or "").strip()[:40]
    error, found = "", None
    if phone:
        try:
            found = caller_lookup(agency=request.agency, actor=request.user, phone=phone)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            if len(found.customers) == 1:
                return redirect("panel-crm-customers:detail", customer_id=found.customers[0].pk)
    return render(
        request,
        "crm/customers/lookup.html",
        {
            "agency": request.agency,
            "phone": phone,
            "error": error,
            "found": found,
            "register_url": register_url(found.number) if found else "",
        },
    )


def lookup_payload(request, found: CallerLookup) -> dict[str, Any]:
    """The JSON answer: each holder's name, rank band, open cases, cheques due and card."""
    ids = [customer.pk for customer in found.customers]
    due = Instrument.objects.filter(customer=OuterRef("pk"), state=Instrument.State.DUE)
    rows = (
        Customer.objects.filter(pk__in=ids)
        .annotate(
            open_cases=Count("cases", filter=Q(cases__state__in=Case.OPEN_STATES), distinct=True),
            cheques_due=Coalesce(
                Subquery(due.order_by().values("customer").annotate(n=Count("pk")).values("n")[:1]),
                0,
            ),
            cheques_due_amount=Subquery(
                due.order_by().values("customer").annotate(total=Sum("amount")).values("total")[:1]
            ),
        )
        .select_related("rank")
    )
    by_id = {row.pk: row for row in rows}
    customers = []
    for pk in ids:
        row = by_id[pk]
        rank = getattr(row, "rank", None)  # none until the first ranking run
        customers.append(
            {
                "id": row.pk,
                "name": row.display_name,
                "kind": row.kind,
                "rank_band": rank.band if rank else None,
                "open_cases": row.open_cases,  # type: ignore[attr-defined]
                "cheques_due": row.cheques_due,  # type: ignore[attr-defined]
                "cheques_due_amount": str(row.cheques_due_amount or 0),  # type: ignore[attr-defined]
                "card_url": request.build_absolute_uri(
                    reverse("panel-crm-customers:detail", kwargs={"customer_id": row.pk})
                ),
            }
        )
    return {
        "phone": found.number,
        "found": bool(customers),
        "customers": customers,
        "register_url": request.build_absolute_uri(register_url(found.number)),
    }


def _lookup_json(request, agency: Agency, actor: Any, via: str) -> JsonResponse:
    phone = request.GET.get("phone") or request.POST.get("phone") or ""
    try:
        found = caller_lookup(agency=agency, actor=actor, phone=phone[:40], via=via)
    except ValidationError as refused:
        return JsonResponse({"detail": " ".join(refused.messages)}, status=400)
    return JsonResponse(lookup_payload(request, found))


@panel_view
def _member_lookup(request) -> HttpResponse:
    if request.method != "GET":
        return JsonResponse({"detail": _("Send a token, or use GET.")}, status=405)
    return _lookup_json(request, request.agency, request.user, via="")


def _token(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return (request.headers.get("X-Telephony-Token") or request.GET.get("token") or "").strip()


@csrf_exempt
def telephony_lookup(request) -> HttpResponse:
    """``GET/POST /api/crm/lookup?phone=``: with the agency's token (``Authorization: Bearer
    <token>``, ``X-Telephony-Token`` or ``?token=``) for its telephony system; without one, a
    logged-in member looks up in their own agency (the panel's guard applies). A wrong token
    is 401; a suspended or pending agency 403 (the suspension rule), and nothing is logged."""
    if request.method not in ("GET", "POST"):
        return JsonResponse({"detail": _("Use GET or POST.")}, status=405)
    token = _token(request)
    if not token:
        if request.user.is_authenticated:
            return _member_lookup(request)
        return JsonResponse({"detail": _("A valid telephony token is needed.")}, status=401)
    agency = telephony_agency(token)
    if agency is None:
        return JsonResponse({"detail": _("A valid telephony token is needed.")}, status=401)
    if agency.status != Agency.Status.ACTIVE:
        return JsonResponse(
            {"detail": agency_inactive_message(agency.status), "status": agency.status},
            status=403,
        )
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    try:
        return _lookup_json(request, agency, None, via="telephony")
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]


@panel_view(manage=True)
def telephony_settings(request) -> HttpResponse:
    """Owners and managers make (or replace, or revoke) the token; it is shown only here,
    right after it was made."""
    token = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            telephony_token_revoke(agency=request.agency, actor=request.user)
            messages.success(request, _("The telephony token was revoked."))
            return redirect("panel-crm-telephony:settings")
        token = telephony_token_rotate(agency=request.agency, actor=request.user)
    settings = CrmSettings.objects.get(pk=1)
    response = render(
        request,
        "crm/customers/telephony.html",
        {
            "agency": request.agency,
            "settings": settings,
            "token": token,
            "endpoint": request.build_absolute_uri(reverse("panel-crm-api:lookup")),
            "example_phone": to_latin_digits("09121234567"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
