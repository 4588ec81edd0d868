"""Cases and activities in the agency panel (S-6.6): lists with filters, a case's page with
its activities and files, the member's Jalali calendar, and the nav badge.

Every view is a ``panel_view`` (the member's agency, its schema); rows are found through
``crm.selectors.cases``, which hide what a staff member may not see, so another agency's or
another member's id is a 404. Writes go through ``crm.services.cases``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict
from core.forms import add_service_errors
from core.jalali import jalali_month_name, jalali_today, tehran
from crm.forms.cases import (
    ActivityForm,
    AssignForm,
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    CloseForm,
    RescheduleForm,
    ResultForm,
)
from crm.models import Customer
from crm.selectors import cases as selectors
from crm.selectors.card import membership_sees_all
from crm.selectors.names import user_names
from crm.services import cases as services
from tenants.panel.base import panel_view

PAGE_SIZE = 25


def form_saved(request: Any, form: Any, save: Callable[[], Any], *, done: str) -> bool:
    """A form page: when posted and valid, ``save()`` runs; True once saved (``done`` shown),
    False while the page is to be shown (again), with a service's refusal on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, done)
    return True


def refused(request: Any, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def live_customer(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None:
        raise Http404
    return customer


def _case_or_404(request: Any, case_id: int) -> Any:
    case = selectors.case_get(membership=request.membership, case_id=case_id)
    if case is None:
        raise Http404
    return case


def _activity_or_404(request: Any, activity_id: int) -> Any:
    activity = selectors.activity_get(membership=request.membership, activity_id=activity_id)
    if activity is None:
        raise Http404
    return activity


def _base(request: Any, **context: Any) -> dict[str, Any]:
    return {"agency": request.agency, "membership": request.membership, **context}


@panel_view
def case_list(request: Any) -> HttpResponse:
    """My cases for everyone; owners and managers may switch to all the agency's."""
    sees_all = membership_sees_all(request.membership)
    scope = "all" if sees_all and request.GET.get("scope") == "all" else "mine"
    members = selectors.agency_members(agency=request.agency)
    form = CaseFilterForm(request.GET or None, members=members)
    data: dict[str, Any] = dict(form.cleaned_data) if form.is_bound and form.is_valid() else {}
    if "state" not in request.GET:
        data["state"] = "open"
    filters = selectors.CaseFilter(
        kind=data.get("kind") or "",
        state=data.get("state", "open") or "",
        assignee_user_id=data.get("assignee") if scope == "all" else None,
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
        mine_only=scope == "mine",
    )
    page = Paginator(selectors.case_list(membership=request.membership, filters=filters), PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    names = user_names(case.assignee_user_id for case in rows)
    for row in rows:
        row.assignee_name = names.get(row.assignee_user_id or 0, "")  # type: ignore[attr-defined]
    query = urlencode([(key, value) for key, value in request.GET.items() if key != "page"])
    return render(
        request,
        "crm/cases/list.html",
        _base(
            request,
            form=form,
            page=page_obj,
            cases=rows,
            query=query,
            scope=scope,
            sees_all=sees_all,
        ),
    )


def _case_form_page(request: Any, customer: Customer | None) -> HttpResponse:
    members = selectors.agency_members(agency=request.agency)
    form = CaseForm(
        request.POST or None,
        members=members,
        initial={"assignee": str(request.membership.user_id)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(
                agency=request.agency,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                customer=customer,
                assignee_user_id=form.cleaned_data["assignee"],
                due_at=form.due_at(),
                priority=form.cleaned_data["priority"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was opened."))
            return redirect("crm-cases:detail", case.pk)
    return render(
        request,
        "crm/cases/form.html",
        _base(request, form=form, customer=customer, heading=_("New case")),
        status=400 if form.is_bound and form.errors else 200,
    )


@panel_view
def case_new(request: Any) -> HttpResponse:
    return _case_form_page(request, None)


@panel_view
def case_new_for_customer(request: Any, customer_id: int) -> HttpResponse:
    return _case_form_page(request, live_customer(customer_id))


@panel_view
def case_detail(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    return _detail_page(request, case)


def _detail_page(request: Any, case: Any, **forms: Any) -> HttpResponse:
    members = selectors.agency_members(agency=request.agency)
    activities = selectors.case_activities(case=case)
    attachments = selectors.case_attachments(case=case)
    people = [case.assignee_user_id, case.created_by_user_id]
    people += [activity.assignee_user_id for activity in activities]
    people += [attachment.uploaded_by_user_id for attachment in attachments]
    names = user_names(people)
    case.assignee_name = names.get(case.assignee_user_id or 0, "")
    for activity in activities:
        activity.assignee_name = names.get(  # type: ignore[attr-defined]
            activity.assignee_user_id or 0, ""
        )
    context = _base(
        request,
        case=case,
        activities=activities,
        attachments=attachments,
        is_open=case.state in case.OPEN_STATES,
        activity_form=forms.get("activity_form")
        or ActivityForm(members=members, initial={"assignee": str(case.assignee_user_id or "")}),
        attachment_form=forms.get("attachment_form") or AttachmentForm(),
        assign_form=forms.get("assign_form")
        or AssignForm(members=members, initial={"assignee": str(case.assignee_user_id or "")}),
        close_form=forms.get("close_form") or CloseForm(),
        edit_form=forms.get("edit_form")
        or CaseForm(
            members=members,
            initial={
                "kind": case.kind,
                "title": case.title,
                "description": case.description,
                "assignee": str(case.assignee_user_id or ""),
                "due_date": timezone.localtime(case.due_at, tehran()).date()
                if case.due_at
                else None,
                "due_time": timezone.localtime(case.due_at, tehran()).strftime("%H:%M")
                if case.due_at
                else "",
                "priority": case.priority,
            },
        ),
    )
    status = 400 if forms else 200
    return render(request, "crm/cases/detail.html", context, status=status)


def _case_form_post(
    request: Any, case: Any, form: Any, *, page_form: str, save: Callable[[], Any], done: str
) -> HttpResponse:
    """A form of the case page, posted: saved (``done`` shown) or refused by the case's state
    (the refusal shown), back to the case; a field or the service's check wrong, the case
    page again with the form's errors."""
    if form.is_valid():
        try:
            save()
        except Conflict as error:
            refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
            return _detail_page(request, case, **{page_form: form})
        else:
            messages.success(request, done)
        return redirect("crm-cases:detail", case.pk)
    return _detail_page(request, case, **{page_form: form})


@require_POST
@panel_view
def case_edit(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    members = selectors.agency_members(agency=request.agency)
    form = CaseForm(request.POST, members=members)
    return _case_form_post(
        request,
        case,
        form,
        page_form="edit_form",
        save=lambda: services.case_update(
            agency=request.agency,
            actor=request.user,
            case=case,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            due_at=form.due_at(),
            priority=form.cleaned_data["priority"],
        ),
        done=_("The case was saved."),
    )


@require_POST
@panel_view
def case_assign(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = AssignForm(request.POST, members=selectors.agency_members(agency=request.agency))
    if form.is_valid():
        try:
            services.case_assign(
                agency=request.agency,
                actor=request.user,
                case=case,
                assignee_user_id=form.cleaned_data["assignee"],
            )
        except ValidationError as error:
            refused(request, error)
        else:
            messages.success(request, _("The case was assigned."))
            if not membership_sees_all(request.membership):
                return redirect("crm-cases:list")
        return redirect("crm-cases:detail", case.pk)
    return _detail_page(request, case, assign_form=form)


@require_POST
@panel_view
def case_close(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = CloseForm(request.POST)
    return _case_form_post(
        request,
        case,
        form,
        page_form="close_form",
        save=lambda: services.case_close(
            agency=request.agency,
            actor=request.user,
            case=case,
            state=form.cleaned_data["state"],
            result=form.cleaned_data["result"],
        ),
        done=_("The case was closed."),
    )


@require_POST
@panel_view
def case_reopen(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    services.case_reopen(agency=request.agency, actor=request.user, case=case)
    messages.success(request, _("The case was opened again."))
    return redirect("crm-cases:detail", case.pk)


@require_POST
@panel_view
def activity_add(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ActivityForm(request.POST, members=selectors.agency_members(agency=request.agency))
    return _case_form_post(
        request,
        case,
        form,
        page_form="activity_form",
        save=lambda: services.activity_create(
            agency=request.agency,
            actor=request.user,
            case=case,
            kind=form.cleaned_data["kind"],
            subject=form.cleaned_data["subject"],
            note=form.cleaned_data["note"],
            assignee_user_id=form.cleaned_data["assignee"],
            due_at=form.due_at(),
            remind_at=form.remind_at(),
        ),
        done=_("The activity was added."),
    )


@require_POST
@panel_view
def attachment_upload(request: Any, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = AttachmentForm(request.POST, request.FILES)
    return _case_form_post(
        request,
        case,
        form,
        page_form="attachment_form",
        save=lambda: services.attachment_add(
            agency=request.agency,
            actor=request.user,
            case=case,
            uploaded=form.cleaned_data["file"],
        ),
        done=_("The file was kept with the case."),
    )


@panel_view
def attachment_download(request: Any, attachment_id: int) -> FileResponse:
    """A private file, to members of its agency who may see what it belongs to."""
    attachment = selectors.attachment_get(
        membership=request.membership, attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=attachment.content_type, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@panel_view
def activity_done(request: Any, activity_id: int) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    form = ResultForm(request.POST)
    form.is_valid()
    try:
        services.activity_done(
            agency=request.agency,
            actor=request.user,
            activity=activity,
            result=form.cleaned_data.get("result", ""),
        )
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The activity was marked done."))
    return redirect("crm-cases:detail", activity.case_id)


@panel_view
def activity_reschedule(request: Any, activity_id: int) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                services.activity_reschedule(
                    agency=request.agency,
                    actor=request.user,
                    activity=activity,
                    due_at=form.due_at(),
                    remind_at=form.remind_at(),
                )
            except Conflict as error:
                refused(request, error)
                return redirect("crm-cases:detail", activity.case_id)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The activity was moved."))
                return redirect("crm-cases:detail", activity.case_id)
    else:
        initial: dict[str, Any] = {}
        for name in ("due", "remind"):
            moment = getattr(activity, f"{name}_at")
            if moment:
                local = timezone.localtime(moment, tehran())
                initial[f"{name}_date"] = local.date()
                initial[f"{name}_time"] = local.strftime("%H:%M")
        form = RescheduleForm(initial=initial)
    return render(
        request,
        "crm/cases/form.html",
        _base(request, form=form, heading=_("Move the activity"), back_case=activity.case),
        status=400 if form.is_bound and form.errors else 200,
    )


@panel_view
def calendar(request: Any) -> HttpResponse:
    """The member's Jalali month: their activities and reminders, and their cases due.
    Owners and managers may show everyone's (``?who=all``)."""
    today = jalali_today()
    year, month = today.year, today.month
    try:
        year_text, month_text = request.GET.get("month", "").split("-")
        year, month = int(year_text), int(month_text)
        if not (1 <= month <= 12 and 1200 <= year <= 1599):
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    everyone = request.GET.get("who") == "all" and membership_sees_all(request.membership)
    month_view = selectors.calendar_month(
        membership=request.membership, year=year, month=month, everyone=everyone
    )
    return render(
        request,
        "crm/cases/calendar.html",
        _base(
            request,
            calendar=month_view,
            month_name=jalali_month_name(month),
            previous_name=jalali_month_name(month_view.previous[1]),
            next_name=jalali_month_name(month_view.next[1]),
            everyone=everyone,
            sees_all=membership_sees_all(request.membership),
            my_day=selectors.my_day(membership=request.membership),
        ),
    )


@panel_view
def due_badge(request: Any) -> HttpResponse:
    """The number beside "Cases" in the nav: the member's activities due today or overdue."""
    day = selectors.my_day(membership=request.membership)
    response = render(request, "crm/cases/_badge.html", {"count": day.due_today + day.overdue})
    response["Cache-Control"] = "no-store"
    return response
