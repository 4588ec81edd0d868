"""The sign-up pages on the main site (S-8.1): the introduction and the terms (public), then,
logged in with the SMS code, stage 1 (the form and the terms), stage 2 (kind, lines, licence)
and the application's page with its state and the operator's note. Agency sites answer 404:
an agency is applied for with the insurer, not with another agency."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.http import client_ip
from onboarding import services
from onboarding.forms import StageOneForm, StageTwoForm
from onboarding.models import AgencyApplication
from onboarding.selectors import application_of_applicant, applications_of_applicant
from onboarding.terms import TERMS_TEMPLATE, TERMS_VERSION
from policies.selectors import line_choices


def main_site_only(view):
    """Sign-up is the insurer's: on an agency's site these pages do not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "agency", None) is not None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _own(request, application_id) -> AgencyApplication:
    application = application_of_applicant(public_id=application_id, applicant=request.user)
    if application is None:
        raise Http404
    return application


@main_site_only
def signup_home(request) -> HttpResponse:
    """What signing up involves, and the visitor's own applications (the open one first)."""
    applications = (
        list(applications_of_applicant(applicant=request.user)[:5])
        if request.user.is_authenticated
        else []
    )
    still_open = [item for item in applications if item.state not in _CLOSED]
    return render(
        request,
        "onboarding/home.html",
        {"applications": applications, "open": still_open[0] if still_open else None},
    )


_CLOSED = (AgencyApplication.State.APPROVED, AgencyApplication.State.REJECTED)


@main_site_only
def signup_terms(request) -> HttpResponse:
    return render(
        request,
        "onboarding/terms.html",
        {"terms_template": TERMS_TEMPLATE, "terms_version": TERMS_VERSION},
    )


@main_site_only
@login_required
def signup_apply(request) -> HttpResponse:
    """Stage 1 for a new application (an open one is continued instead)."""
    current = services.application_open_of(applicant=request.user)
    if current is not None:
        return redirect("onboarding:detail", application_id=current.public_id)
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "national_code": user.national_code,
    }
    form = StageOneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_create(
                applicant=user,
                accept_terms=data["accept_terms"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                national_code=data["national_code"],
                agency_name=data["agency_name"],
                province=data["province"],
                city=data["city"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Saved. Now choose the kind of agency and add your licence.")
            )
            return redirect("onboarding:documents", application_id=application.public_id)
    return render(
        request,
        "onboarding/stage_one.html",
        {"form": form, "application": None, "terms_template": TERMS_TEMPLATE},
        status=400 if form.errors else 200,
    )


@main_site_only
@login_required
def application_detail(request, application_id) -> HttpResponse:
    application = _own(request, application_id)
    names = dict(line_choices())
    return render(
        request,
        "onboarding/detail.html",
        {
            "application": application,
            "lines": [names.get(code, code) for code in application.line_codes],
            "missing": application.stage_two_missing,
        },
    )


@main_site_only
@login_required
def application_edit(request, application_id) -> HttpResponse:
    """Stage 1 again: a draft, or an application sent back for correction."""
    application = _own(request, application_id)
    if not application.is_editable:
        return redirect("onboarding:detail", application_id=application.public_id)
    initial = {name: getattr(application, name) for name in services.STAGE_ONE_FIELDS}
    initial["accept_terms"] = True
    form = StageOneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.STAGE_ONE_FIELDS}
        try:
            services.application_update(application=application, actor=request.user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("onboarding:documents", application_id=application.public_id)
    return render(
        request,
        "onboarding/stage_one.html",
        {"form": form, "application": application, "terms_template": TERMS_TEMPLATE},
        status=400 if form.errors else 200,
    )


@main_site_only
@login_required
def application_documents(request, application_id) -> HttpResponse:
    """Stage 2: the kind of agency, the lines, the licence number and the licence photo."""
    application = _own(request, application_id)
    if not application.is_editable:
        return redirect("onboarding:detail", application_id=application.public_id)
    initial = {name: getattr(application, name) for name in services.STAGE_TWO_FIELDS}
    form = StageTwoForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name]
            for name in services.STAGE_TWO_FIELDS
            if data[name] or name in form.changed_data
        }
        try:
            if fields:
                services.application_update(application=application, actor=request.user, **fields)
            if data["licence_file"]:
                services.application_licence_upload(
                    application=application, actor=request.user, uploaded=data["licence_file"]
                )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                error = ValidationError({"licence_file": error.messages})
            add_service_errors(form, error)
        else:
            application.refresh_from_db()
            if "submit" in request.POST:
                return _submit(request, application)
            messages.success(request, _("Your changes were saved."))
            return redirect("onboarding:documents", application_id=application.public_id)
    if request.method == "POST":
        application.refresh_from_db()  # what was saved before a refusal (a photo, say)
    return render(
        request,
        "onboarding/stage_two.html",
        {"form": form, "application": application},
        status=400 if form.errors else 200,
    )


def _submit(request, application: AgencyApplication) -> HttpResponse:
    try:
        services.application_submit(application=application, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("onboarding:documents", application_id=application.public_id)
    messages.success(
        request, _("Your application was sent; the insurer will review it and let you know.")
    )
    return redirect("onboarding:detail", application_id=application.public_id)


@main_site_only
@require_POST
@login_required
def application_submit(request, application_id) -> HttpResponse:
    return _submit(request, _own(request, application_id))
