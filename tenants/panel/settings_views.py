"""The agency's own settings, site content and staff in its panel (S-4.3, S-4.4). Owners and
managers only; the agency is ``request.agency`` (from ``panel_view``) and nothing else."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AgencyMembership
from tenants.content.models import Banner, Page
from tenants.content.selectors import site_settings_get
from tenants.content.services import banner_save, content_delete, page_save, site_settings_update
from tenants.hosts import host_cache_forget_agency
from tenants.panel.base import panel_view
from tenants.panel.forms import (
    AgencySettingsForm,
    BannerForm,
    PageForm,
    SiteSettingsForm,
    StaffAddForm,
)
from tenants.services import agency_settings_update
from tenants.services_staff import panel_staff_active_set, panel_staff_add, panel_staff_role_set


def _service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# ---- agency settings ------------------------------------------------------------------------


@panel_view(manage=True)
def agency_settings(request) -> HttpResponse:
    agency = request.agency
    initial = {name: getattr(agency, name) for name in AgencySettingsForm.base_fields}
    form = AgencySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agency_settings_update(agency=agency, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            host_cache_forget_agency(agency.pk)
            messages.success(request, _("Settings saved."))
            return redirect("panel:settings")
    return render(
        request,
        "tenants/panel/settings.html",
        {"agency": agency, "form": form, "map_tiles": settings.MAP_TILE_URL},
        status=400 if form.is_bound and form.errors else 200,
    )


# ---- site content ---------------------------------------------------------------------------


@panel_view(manage=True)
def content_home(request) -> HttpResponse:
    current = site_settings_get()
    initial = {
        name: getattr(current, name) for name in SiteSettingsForm.base_fields if name != "logo"
    }
    form = SiteSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data.get("logo"):
            data.pop("logo", None)
        try:
            site_settings_update(actor=request.user, agency_id=request.agency.pk, **data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Site content saved."))
            return redirect("panel:content")
    return render(
        request,
        "tenants/panel/content.html",
        {
            "agency": request.agency,
            "form": form,
            "site_settings": current,
            "pages": Page.objects.all(),
            "banners": Banner.objects.all(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _edit(request, *, kind: str, instance=None) -> HttpResponse:
    form_class, save = (PageForm, page_save) if kind == "page" else (BannerForm, banner_save)
    form = form_class(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        if kind == "banner" and not fields.get("image"):
            fields.pop("image", None)
        try:
            save(
                actor=request.user,
                agency_id=request.agency.pk,
                **{kind: instance},
                **fields,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("panel:content")
    return render(
        request,
        "tenants/panel/content_form.html",
        {"agency": request.agency, "form": form, "kind": kind, "instance": instance},
        status=400 if form.is_bound and form.errors else 200,
    )


@panel_view(manage=True)
def page_add(request) -> HttpResponse:
    return _edit(request, kind="page")


@panel_view(manage=True)
def page_edit(request, page_id: int) -> HttpResponse:
    page = Page.objects.filter(pk=page_id).first()  # the agency's own schema
    if page is None:
        raise Http404
    return _edit(request, kind="page", instance=page)


@panel_view(manage=True)
def banner_add(request) -> HttpResponse:
    return _edit(request, kind="banner")


@panel_view(manage=True)
def banner_edit(request, banner_id: int) -> HttpResponse:
    banner = Banner.objects.filter(pk=banner_id).first()
    if banner is None:
        raise Http404
    return _edit(request, kind="banner", instance=banner)


def _delete(request, model, pk: int) -> HttpResponse:
    instance = model.objects.filter(pk=pk).first()  # the agency's own schema
    if instance is None:
        raise Http404
    content_delete(instance=instance, actor=request.user, agency_id=request.agency.pk)
    messages.success(request, _("Deleted."))
    return redirect("panel:content")


@require_POST
@panel_view(manage=True)
def page_delete(request, page_id: int) -> HttpResponse:
    return _delete(request, Page, page_id)


@require_POST
@panel_view(manage=True)
def banner_delete(request, banner_id: int) -> HttpResponse:
    return _delete(request, Banner, banner_id)


# ---- staff ----------------------------------------------------------------------------------


def _member_or_404(request, membership_id: int) -> AgencyMembership:
    member = (
        AgencyMembership.objects.filter(pk=membership_id, agency=request.agency)
        .select_related("user", "agency")
        .first()
    )
    if member is None:
        raise Http404
    return member


def _staff_page(request, form, status: int = 200) -> HttpResponse:
    members = (
        AgencyMembership.objects.filter(agency=request.agency)
        .select_related("user")
        .order_by("-is_active", "role", "id")
    )
    return render(
        request,
        "tenants/panel/staff.html",
        {
            "agency": request.agency,
            "form": form,
            "members": members,
            "roles": AgencyMembership.Role.choices,
            "me": request.membership,
        },
        status=status,
    )


@panel_view(manage=True)
def staff(request) -> HttpResponse:
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            panel_staff_add(
                actor_membership=request.membership,
                mobile=form.cleaned_data["mobile"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Added. They log in to the panel with an SMS code."))
            return redirect("panel:staff")
    return _staff_page(request, form, status=400 if form.is_bound and form.errors else 200)


@require_POST
@panel_view(manage=True)
def staff_role(request, membership_id: int) -> HttpResponse:
    member = _member_or_404(request, membership_id)
    try:
        panel_staff_role_set(
            membership=member,
            role=request.POST.get("role", ""),
            actor_membership=request.membership,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Role changed."))
    return redirect("panel:staff")


@require_POST
@panel_view(manage=True)
def staff_active(request, membership_id: int) -> HttpResponse:
    member = _member_or_404(request, membership_id)
    try:
        panel_staff_active_set(
            membership=member,
            active=request.POST.get("active") == "1",
            actor_membership=request.membership,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("panel:staff")
