"""The calls pages (decision 042): a staff member's lists, an item's page with its result
form, the find-the-number list and the manager's view. Thin: selectors read, services
write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.digits import localize_digits
from core.forms import add_service_errors
from crm.selectors.book import insurer_choices
from crm.selectors.names import line_names
from renewals.forms_calls import NumberForm, ReassignForm, ResultForm
from renewals.models import WorkItem
from renewals.selectors.lists import (
    PAGE_SIZE,
    TABS,
    calls_list,
    item_results,
    item_visible,
    manager_view,
    now_and_today,
    rows_decorate,
)
from renewals.services.assignment import item_reassign
from renewals.services.pool import staff_candidates
from renewals.services.results import renewal_candidates, result_record
from tenants.panel.base import panel_view

RENEW_BUTTON = "renewals/online/_renew_button.html"


def _renew_button() -> bool:
    """Whether the online part's "renew now" button is installed (decision 043)."""
    try:
        select_template([RENEW_BUTTON])
    except TemplateDoesNotExist:
        return False
    return True


@panel_view
def calls_list_view(request) -> HttpResponse:
    tab = request.GET.get("tab") or "today"
    if tab not in TABS:
        tab = "today"
    manages = request.membership.can_manage
    now, today = now_and_today()
    items = calls_list(tab=tab, user_id=request.user.pk, manages=manages, today=today)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = rows_decorate(list(page.object_list), today=today, now=now)
    context = {
        "agency": request.agency,
        "tab": tab,
        "tabs": [
            ("today", _("Today's calls")),
            ("lapsed", _("Lapsed policies")),
            ("find_number", _("Find the number")),
            ("all", _("All open")),
        ],
        "rows": rows,
        "page": page,
        "query": f"tab={tab}",
        "manages": manages,
        "bulk": manages and tab in ("all", "find_number"),
        "candidates": _candidate_names(request)
        if manages and tab in ("all", "find_number")
        else [],
    }
    if request.headers.get("HX-Request"):
        return render(request, "renewals/calls/_list.html", context)
    return render(request, "renewals/calls/list.html", context)


def _candidate_names(request) -> list[tuple[int, str]]:
    from crm.selectors.names import user_names

    ids = staff_candidates(request.agency)
    names = user_names(ids)
    return [(user_id, names.get(user_id, str(user_id))) for user_id in ids]


def _item(request, item_id: int) -> WorkItem:
    item = (
        WorkItem.objects.select_related("customer", "book_policy")
        .filter(pk=item_id, kind__in=("renewal", "lapsed"))
        .first()
    )
    if item is None or not item_visible(
        item, user_id=request.user.pk, manages=request.membership.can_manage
    ):
        raise Http404
    return item


@panel_view
def item_view(request, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    now, today = now_and_today()
    candidates = renewal_candidates(item)
    insurers = insurer_choices()
    form = ResultForm(request.POST or None, candidates=candidates, insurers=insurers, now=now)
    if request.method == "POST" and form.is_valid():
        try:
            result_record(
                agency=request.agency, actor=request.user, item=item, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The call's result was recorded."))
            return redirect("panel-renewals:list")
    rows_decorate([item], today=today, now=now)
    names = dict(insurers)
    manages = request.membership.can_manage
    return render(
        request,
        "renewals/calls/item.html",
        {
            "agency": request.agency,
            "item": item,
            "customer": item.customer,
            "policy": item.book_policy,
            "policy_line": line_names([item.line_code]).get(item.line_code) or "—",
            "policy_insurer": names.get(item.book_policy.insurer_code, ""),
            "elsewhere_name": names.get(item.elsewhere_insurer, item.elsewhere_insurer),
            "results": item_results(item),
            "form": form,
            "number_form": NumberForm(),
            "renew_button": _renew_button(),
            "workable": item.state == WorkItem.State.OPEN
            and item.queue == WorkItem.Queue.CALLS
            and (manages or item.assigned_to_user_id == request.user.pk),
            "manages": manages,
            "candidates": _candidate_names(request) if manages else [],
        },
    )


@panel_view
@require_POST
def number_view(request, item_id: int) -> HttpResponse:
    from renewals.services.results import number_found

    item = _item(request, item_id)
    form = NumberForm(request.POST)
    if form.is_valid():
        try:
            number_found(
                agency=request.agency,
                actor=request.user,
                item=item,
                mobile=form.cleaned_data["mobile"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The number was saved; the item is back on the calls list.")
            )
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("mobile", [])))
    return redirect(f"{_list_url()}?tab=find_number")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("panel-renewals:list")


@panel_view(manage=True)
@require_POST
def item_reassign_view(request, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = ReassignForm(request.POST, candidates=_candidate_names(request))
    if form.is_valid():
        try:
            item_reassign(
                agency=request.agency,
                actor=request.user,
                item=item,
                user_id=form.cleaned_data["user_id"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The item was re-assigned."))
    else:
        messages.error(request, _("Choose a staff member who takes renewal calls."))
    return redirect("panel-renewals:item", item_id=item.pk)


@panel_view(manage=True)
@require_POST
def bulk_reassign_view(request) -> HttpResponse:
    form = ReassignForm(request.POST, candidates=_candidate_names(request))
    ids = [int(value) for value in request.POST.getlist("items") if value.isdigit()]
    tab = request.POST.get("tab") if request.POST.get("tab") in TABS else "all"
    if not form.is_valid() or not ids:
        messages.error(request, _("Choose the items and a staff member who takes renewal calls."))
        return redirect(f"{_list_url()}?tab={tab}")
    moved = 0
    for item in WorkItem.objects.filter(pk__in=ids, kind__in=("renewal", "lapsed")):
        try:
            item_reassign(
                agency=request.agency,
                actor=request.user,
                item=item,
                user_id=form.cleaned_data["user_id"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            break
        moved += 1
    if moved:
        messages.success(
            request, _("Items re-assigned: %(count)s") % {"count": localize_digits(moved)}
        )
    return redirect(f"{_list_url()}?tab={tab}")


@panel_view(manage=True)
def manager_page_view(request) -> HttpResponse:
    now, today = now_and_today()
    view = manager_view(request.agency, today=today, now=now)
    return render(
        request,
        "renewals/calls/manage.html",
        {"agency": request.agency, "view": view, "today": today},
    )
