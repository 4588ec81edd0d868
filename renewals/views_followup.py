"""The follow-up calls' pages (decision 044): a staff member's calls of the day with the
result form, and the agency's "details to correct" list with the correction form. Each
form posts with HTMX and gets its card back; without HTMX the page is shown again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from crm.selectors.names import line_names, user_names
from renewals.forms_followup import DetailsCorrectionForm, FollowupResultForm
from renewals.models import Kind, WorkItem
from renewals.services import clock
from renewals.services.followup import (
    followup_calls_due,
    followup_corrections,
    followup_details_corrected,
    followup_result_record,
)
from tenants.panel.base import panel_view

PAGE_SIZE = 25


def _label(items: list[WorkItem], *, staff: bool = False) -> None:
    """Names from the public schema, one query per kind for the whole page."""
    lines = line_names({item.line_code for item in items})
    people = user_names({item.assigned_to_user_id for item in items}) if staff else {}
    for item in items:
        item.line_label = lines.get(item.line_code, item.line_code)  # type: ignore[attr-defined]
        item.staff_name = people.get(item.assigned_to_user_id or 0, "")  # type: ignore[attr-defined]


def _page(request, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _counts(request) -> dict[str, int]:
    return {
        "due_count": followup_calls_due(user_id=request.user.pk, day=clock.today()).count(),
        "correct_count": followup_corrections().count(),
    }


@panel_view
def followup_calls_view(request) -> HttpResponse:
    page = _page(request, followup_calls_due(user_id=request.user.pk, day=clock.today()))
    items = list(page.object_list)
    _label(items)
    rows = [(item, FollowupResultForm(prefix=f"f{item.pk}")) for item in items]
    return render(
        request,
        "renewals/followup/calls.html",
        {"agency": request.agency, "page": page, "rows": rows, "tab": "calls", **_counts(request)},
    )


@panel_view
def followup_corrections_view(request) -> HttpResponse:
    page = _page(request, followup_corrections())
    items = list(page.object_list)
    _label(items, staff=True)
    rows = [(item, DetailsCorrectionForm(prefix=f"c{item.pk}")) for item in items]
    return render(
        request,
        "renewals/followup/corrections.html",
        {
            "agency": request.agency,
            "page": page,
            "rows": rows,
            "tab": "correct",
            **_counts(request),
        },
    )


@panel_view
def followup_badge_view(request) -> HttpResponse:
    """The number beside "Follow-up calls" in the panel's menu: cases sent back."""
    response = render(
        request, "renewals/followup/_badge.html", {"count": followup_corrections().count()}
    )
    response["Cache-Control"] = "no-store"
    return response


def _followup(followup_id: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.select_related("customer", "book_policy"),
        pk=followup_id,
        kind=Kind.FOLLOWUP,
    )


@require_POST
@panel_view
def followup_result_view(request, followup_id: int) -> HttpResponse:
    item = _followup(followup_id)
    form = FollowupResultForm(request.POST, prefix=f"f{item.pk}")
    done = False
    if form.is_valid():
        try:
            followup_result_record(
                agency=request.agency,
                actor=request.user,
                item=item,
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
            )
            done = True
        except ValidationError as error:
            add_service_errors(form, error)
    if not request.headers.get("HX-Request"):
        if done:
            messages.success(request, _("The call's result was recorded."))
        else:
            messages.error(request, " ".join(_errors(form)))
        return redirect("panel-renewals-followup:calls")
    _label([item])
    return render(
        request, "renewals/followup/_call.html", {"item": item, "form": form, "done": done}
    )


@require_POST
@panel_view
def followup_correct_view(request, followup_id: int) -> HttpResponse:
    item = _followup(followup_id)
    form = DetailsCorrectionForm(request.POST, prefix=f"c{item.pk}")
    done = False
    if form.is_valid():
        try:
            followup_details_corrected(
                agency=request.agency,
                actor=request.user,
                item=item,
                mobile=form.cleaned_data["mobile"],
                phone=form.cleaned_data["phone"],
            )
            done = True
        except ValidationError as error:
            add_service_errors(form, error)
    if not request.headers.get("HX-Request"):
        if done:
            messages.success(
                request, _("The details were corrected; the customer will be called again.")
            )
        else:
            messages.error(request, " ".join(_errors(form)))
        return redirect("panel-renewals-followup:corrections")
    _label([item], staff=True)
    return render(
        request,
        "renewals/followup/_correction.html",
        {"item": item, "form": form, "done": done},
    )


def _errors(form: Any) -> list[str]:
    return [str(message) for messages_ in form.errors.values() for message in messages_]
