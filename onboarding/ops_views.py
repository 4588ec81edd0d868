"""Agency applications on the ops host: the queue (filters, normalised search, pages), an
application's page with its licence photo, and the operators' decisions. Branch staff view;
operators and admins decide."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import BRANCH_ROLES, insurer_view
from core.keyset import keyset_page
from onboarding import services
from onboarding.forms import ApproveForm, DecisionNoteForm, QueueFilter
from onboarding.models import AgencyApplication
from onboarding.selectors import application_for_ops, applications_for_ops, queue_ascending
from policies.selectors import line_choices

PAGE_SIZE = 50


@insurer_view(roles=BRANCH_ROLES)
def application_list(request) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("state", "waiting")
    form = QueueFilter(data)
    state, query = "waiting", ""
    if form.is_valid():
        state, query = form.cleaned_data["state"], form.cleaned_data["q"]
    # A page after the last one shown (keyset): no count of the queue, no OFFSET.
    page = keyset_page(
        applications_for_ops(state=state, query=query),
        keys=["queue_at", "pk"],
        ascending=queue_ascending(state),
        cursor=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    return render(
        request,
        "onboarding/ops/list.html",
        {
            "form": form,
            "page": page,
            "applications": page.rows,
            "state": state,
            "query": urlencode({"state": state, "q": query}),
        },
    )


def _application(application_id: int) -> AgencyApplication:
    application = application_for_ops(application_id=application_id)
    if application is None:
        raise Http404
    return application


@insurer_view(roles=BRANCH_ROLES)
def application_detail(request, application_id: int) -> HttpResponse:
    application = _application(application_id)
    names = dict(line_choices())
    return render(
        request,
        "onboarding/ops/detail.html",
        {
            "application": application,
            "lines": [names.get(code, code) for code in application.line_codes],
            "may_decide": request.user.has_insurer_role(*services.DECIDE_ROLES),
            "waiting": application.state in AgencyApplication.WAITING,
            "approve_form": ApproveForm(initial={"code": services.agency_code_suggested()}),
            "note_form": DecisionNoteForm(),
        },
    )


@insurer_view(roles=BRANCH_ROLES)
def application_licence(request, application_id: int) -> FileResponse:
    """The licence photo, for the insurer's staff only (private storage, never a public URL)."""
    application = _application(application_id)
    if not application.licence_file:
        raise Http404
    response = FileResponse(
        application.licence_file.open("rb"),
        content_type=application.licence_content_type,
        filename=application.licence_original_name or "licence",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _decided(request, application: AgencyApplication, action) -> HttpResponse:
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    return redirect("ops-applications:detail", application_id=application.pk)


@require_POST
@insurer_view(roles=services.DECIDE_ROLES)
def application_approve(request, application_id: int) -> HttpResponse:
    application = _application(application_id)
    form = ApproveForm(request.POST)

    def act() -> None:
        if not form.is_valid():
            raise ValidationError(list(form.errors["code"]))
        done = services.application_approve(
            application=application, actor=request.user, code=form.cleaned_data["code"]
        )
        messages.success(
            request,
            _("Approved: agency %(code)s is active and its owner was texted.")
            % {"code": done.agency.code if done.agency else ""},
        )

    return _decided(request, application, act)


@require_POST
@insurer_view(roles=services.DECIDE_ROLES)
def application_reject(request, application_id: int) -> HttpResponse:
    application = _application(application_id)

    def act() -> None:
        services.application_reject(
            application=application, actor=request.user, reason=request.POST.get("note", "")
        )
        messages.success(request, _("Rejected."))

    return _decided(request, application, act)


@require_POST
@insurer_view(roles=services.DECIDE_ROLES)
def application_correction(request, application_id: int) -> HttpResponse:
    application = _application(application_id)

    def act() -> None:
        services.application_request_correction(
            application=application, actor=request.user, note=request.POST.get("note", "")
        )
        messages.success(request, _("Sent back to the applicant for correction."))

    return _decided(request, application, act)
