"""The renewal link's page on the agency's site, and staff's "renew now" (decision 043).

The link names a policy of the book and grants nothing: going on prepares the renewal order
for the policy's customer (owned by the account of their mobile) and hands over to crm's
sale link, where whoever holds the link signs in with the SMS code of that mobile, checks
the steps left and pays."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.models import BookPolicy
from crm.services.selling import sale_link_make
from policies.models import Line, Question
from renewals.models import Channel, Kind, WorkItem
from renewals.services.online import (
    RenewalIncomplete,
    RenewalLinkExpired,
    RenewalLinkInvalid,
    RenewalRefused,
    renewal_answers,
    renewal_link_read,
    renewal_prepare,
    renewal_price,
)
from tenants.panel.base import panel_view
from tenants.services import AgencyNotActive

TEMPLATE = "renewals/online/renew.html"


def _page(request: HttpRequest, reason: str, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"reason": reason, "agency": request.agency, **extra}  # type: ignore[attr-defined]
    return render(request, TEMPLATE, context, status=status)


def _quote_url(line_code: str) -> str:
    try:
        return reverse("policies:quote", args=[line_code])
    except NoReverseMatch:
        return ""


def _known(line_code: str, answers: dict, details: dict) -> list[tuple[str, str]]:
    """What the renewal knows, as the quote form names it (question, answer)."""
    shown = []
    for question in Question.objects.filter(line__code=line_code).order_by(
        "stage", "position", "id"
    ):
        source = details if question.stage == Question.Stage.DETAILS else answers
        if question.code not in source:
            continue
        value = source[question.code]
        label = question.choice_label(value) if question.choices else None
        shown.append((question.display_label, label or str(value)))
    return shown


@require_http_methods(["GET", "POST"])
def renew_open(request: HttpRequest, renewal_token: str) -> HttpResponse:
    agency = getattr(request, "agency", None)
    if agency is None:  # the main site renews for no agency
        raise Http404
    try:
        policy_id = renewal_link_read(agency=agency, token=renewal_token)
    except RenewalLinkExpired:
        return _page(request, "expired", 410)
    except RenewalLinkInvalid:
        return _page(request, "invalid", 404)
    policy = BookPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return _page(request, "invalid", 404)
    line = Line.objects.filter(code=policy.line_code).first()
    context: dict[str, Any] = {"policy": policy, "line": line}
    if policy.renewed_by_id is not None or policy.state == BookPolicy.State.RENEWED:
        return _page(request, "renewed", **context)
    if policy.state == BookPolicy.State.CANCELLED:
        return _page(request, "cancelled", **context)
    prefill = renewal_answers(policy)
    if prefill.missing:
        return _page(
            request,
            "missing",
            quote_url=_quote_url(policy.line_code),
            known=_known(policy.line_code, prefill.answers, prefill.details),
            **context,
        )
    if request.method == "POST":
        try:
            sale = renewal_prepare(
                agency=agency, actor=None, book_policy=policy, channel=Channel.ONLINE_LINK
            )
        except RenewalIncomplete:
            return _page(request, "missing", quote_url=_quote_url(policy.line_code), **context)
        except (ValidationError, AgencyNotActive) as error:  # a RenewalRefused too
            message = " ".join(getattr(error, "messages", [])) or _(
                "The renewal cannot be prepared now. Please call the agency."
            )
            return _page(request, "refused", 409, message=message, **context)
        return redirect(urlparse(sale_link_make(agency=agency, order_id=sale.order_id)).path)
    premium = renewal_price(agency=agency, prefill=prefill)
    if premium is None:  # the line is no longer sold here, or last year's answers do not fit
        message = _("This policy cannot be renewed online now. Please call the agency.")
        return _page(request, "refused", 409, message=message, **context)
    return _page(request, "ready", premium=premium, **context)


@panel_view
@require_POST
def renew_now(request: HttpRequest, item_id: int) -> HttpResponse:
    """Staff's "renew now" on a work item: the renewal order, then crm's panel sale page,
    where staff finish with the customer and send the link to pay."""
    item = (
        WorkItem.objects.select_related("book_policy")
        .filter(pk=item_id, kind__in=(Kind.RENEWAL, Kind.LAPSED))
        .first()
    )
    if item is None:
        raise Http404
    try:
        sale = renewal_prepare(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=request.user,
            book_policy=item.book_policy,
            channel=Channel.CALL,
        )
    except RenewalIncomplete:
        messages.info(
            request,
            _("The old policy does not give every answer of the quote; complete them here."),
        )
        return redirect(
            "panel-selling:quote",
            customer_id=item.customer_id,
            line_code=item.line_code,
        )
    except RenewalRefused as error:
        messages.error(request, " ".join(error.messages))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        return redirect("panel-selling:detail", sale_id=sale.pk)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("panel-selling:new", customer_id=item.customer_id)
