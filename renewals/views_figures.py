"""The renewal figures and settings in the agency panel (decision 045): retention in one
click, points and the day's premium per staff member (owners and managers see everyone;
a staff member sees only their own figures), and the renewal settings (owners and
managers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AgencyMembership
from core.forms import add_service_errors
from core.jalali import format_jalali_date
from renewals import exports
from renewals.forms_figures import (
    GROUP_CHOICES,
    PeriodForm,
    RenewalSettingsForm,
    RetentionForm,
    ServiceStaffForm,
)
from renewals.models import ServiceStaff
from renewals.selectors.figures import GROUPS, points_report, retention
from renewals.services.clock import today as tehran_today
from renewals.services.settings import (
    SETTINGS_FIELDS,
    renewal_settings_get,
    renewal_settings_update,
    service_staff_update,
)
from tenants.panel.base import panel_view


def _only_user(request: HttpRequest) -> int | None:
    """Whose figures a member sees: everyone's for owners and managers, else their own."""
    membership = request.membership  # type: ignore[attr-defined]
    return None if membership.can_manage else request.user.pk


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()


def _file_day() -> str:
    return format_jalali_date(tehran_today(), persian_digits=False).replace("/", "")


@panel_view
def retention_view(request: HttpRequest) -> HttpResponse:
    today = tehran_today()
    form = RetentionForm(request.GET or None, today=today)
    months = form.months()
    group = form.group_chosen()
    # The page shows one grouping: only it is computed; the file has them all.
    xlsx = request.GET.get("format") == "xlsx"
    report = retention(
        months=months,
        today=today,
        user_id=_only_user(request),
        groups=GROUPS if xlsx else (group,),
    )
    if xlsx:
        return exports.xlsx_response(
            exports.retention_xlsx(report), f"renewal-retention-{_file_day()}.xlsx"
        )
    return render(
        request,
        "renewals/figures/retention.html",
        {
            "agency": request.agency,  # type: ignore[attr-defined]
            "form": form,
            "report": report,
            "group": group,
            "group_label": dict(GROUP_CHOICES)[group],
            "rows": report.groups[group],
            "query": _query(request),
            "own_only": _only_user(request) is not None,
        },
    )


@panel_view
def points_view(request: HttpRequest) -> HttpResponse:
    today = tehran_today()
    form = PeriodForm(request.GET or None, today=today)
    months = form.months()
    report = points_report(first=months[0].first, last=months[-1].last, user_id=_only_user(request))
    if request.GET.get("format") == "xlsx":
        return exports.xlsx_response(
            exports.points_xlsx(report), f"renewal-points-{_file_day()}.xlsx"
        )
    return render(
        request,
        "renewals/figures/points.html",
        {
            "agency": request.agency,  # type: ignore[attr-defined]
            "form": form,
            "report": report,
            "months": months,
            "query": _query(request),
            "own_only": _only_user(request) is not None,
        },
    )


def _staff_rows(
    request: HttpRequest, bound: ServiceStaffForm | None = None
) -> list[dict[str, Any]]:
    """Every active member with their row's form (the one just refused, as typed)."""
    rows = {row.user_id: row for row in ServiceStaff.objects.all()}
    members = (
        AgencyMembership.objects.filter(
            agency_id=request.agency.pk,  # type: ignore[attr-defined]
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "user_id")
    )
    bound_id = bound.data.get("user_id") if bound is not None else None
    result = []
    for member in members:
        row = rows.get(member.user_id)
        if bound is not None and str(member.user_id) == str(bound_id):
            form = bound
        else:
            form = ServiceStaffForm(
                prefix=f"m{member.user_id}",
                initial={
                    "user_id": member.user_id,
                    "in_pool": row.in_pool if row else member.role == AgencyMembership.Role.STAFF,
                    "leave_from": row.leave_from if row else None,
                    "leave_until": row.leave_until if row else None,
                },
            )
        result.append({"member": member, "form": form, "row": row})
    return result


def _settings_page(
    request: HttpRequest,
    form: RenewalSettingsForm,
    staff_form: ServiceStaffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = _staff_rows(request, staff_form)
    shown = staff_form is not None and any(entry["form"] is staff_form for entry in staff)
    return render(
        request,
        "renewals/figures/settings.html",
        {
            "agency": request.agency,  # type: ignore[attr-defined]
            "form": form,
            "staff": staff,
            # A refusal for someone not in the list (not a member): shown above it.
            "staff_errors": [] if staff_form is None or shown else staff_form.errors.values(),
        },
        status=status,
    )


@panel_view(manage=True)
def settings_view(request: HttpRequest) -> HttpResponse:
    current = renewal_settings_get()
    initial = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    form = RenewalSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                renewal_settings_update(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The renewal settings were saved."))
                return redirect("panel-renewal-figures:settings")
        return _settings_page(request, form, status=400)
    return _settings_page(request, form)


@require_POST
@panel_view(manage=True)
def staff_update_view(request: HttpRequest) -> HttpResponse:
    user_id = request.POST.get("user_id", "")
    prefix = f"m{user_id}" if user_id.isdigit() else None
    form = ServiceStaffForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service_staff_update(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=request.user,
                user_id=form.cleaned_data["user_id"],
                in_pool=form.cleaned_data["in_pool"],
                leave_from=form.cleaned_data["leave_from"],
                leave_until=form.cleaned_data["leave_until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The staff member's renewal settings were saved."))
            return redirect("panel-renewal-figures:settings")
    current = renewal_settings_get()
    settings_form = RenewalSettingsForm(
        initial={name: getattr(current, name) for name in SETTINGS_FIELDS}
    )
    return _settings_page(request, settings_form, form, status=400)
