from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_exists

from core.admin import SearchKeyAdminMixin
from core.forms import MobileField
from tenants import services
from tenants.models import Agency, Branch, Domain, SpareSchema

# What an operator fills in for an agency, in the order the forms show it.
AGENCY_FIELDS = [
    "code",
    "name",
    "kind",
    "licence_number",
    "branch",
    "status",
    "latitude",
    "longitude",
    "address",
    "city",
    "province",
    "phone",
    "accepts_referrals",
    "can_issue",
]


class AgencyAddForm(forms.ModelForm):
    owner_mobile = MobileField(label=_("Owner's mobile number"))

    class Meta:
        model = Agency
        fields = AGENCY_FIELDS

    def clean_code(self) -> int:
        code = self.cleaned_data["code"]
        if code is not None and not 1 <= code <= 9_999_999:
            raise ValidationError(_("Enter an agency code between 1 and 9999999."))
        # Shown on the form; agency_create refuses it too (decision 002).
        if code and schema_exists(Agency.schema_name_for(code)):
            raise ValidationError(_("A database schema for this agency code already exists."))
        return code


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Agency)
class AgencyAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    """Adding an agency here runs the same provisioning service as the command and the API."""

    list_display = [
        "code",
        "name",
        "kind",
        "status",
        "city",
        "province",
        "accepts_referrals",
        "can_issue",
    ]
    list_filter = ["status", "kind", "province", "can_issue", "accepts_referrals"]
    search_fields = ["code", "name", "city", "licence_number"]
    inlines = [DomainInline]
    actions = ["suspend", "activate"]
    readonly_fields = ["schema_name", "created_at", "updated_at"]
    fields = [*AGENCY_FIELDS, "schema_name", "created_at", "updated_at"]

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            # Refused by the service at save time (a creation of the same code that won a
            # race, a leftover schema): the admin's transaction rolled back, nothing changed.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        # An agency is suspended, never deleted: its schema, sales and members stay.
        return False

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = AgencyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # The code names the schema and the domain: it never changes after creation.
        return [*readonly, "code"] if obj is not None else readonly

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is None:
            fields = [f for f in fields if f not in ("schema_name", "created_at", "updated_at")]
            fields.append("owner_mobile")
        return fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            # Edits go through the services too, so that every change is audited.
            editable = [
                name for name in form.changed_data if name in services.AGENCY_EDITABLE_FIELDS
            ]
            if editable:
                services.agency_update(
                    agency=obj,
                    actor=request.user,
                    **{name: form.cleaned_data[name] for name in editable},
                )
            if "status" in form.changed_data:
                services.agency_set_status(
                    agency=obj, status=form.cleaned_data["status"], actor=request.user
                )
            return
        data = form.cleaned_data
        created = services.agency_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            owner_mobile=data["owner_mobile"],
            licence_number=data.get("licence_number", ""),
            branch=data.get("branch"),
            status=data["status"],
            address=data.get("address", ""),
            city=data.get("city", ""),
            province=data.get("province", ""),
            phone=data.get("phone", ""),
            accepts_referrals=data.get("accepts_referrals", True),
            can_issue=data.get("can_issue", False),
        )
        obj.pk = created.pk
        obj.schema_name = created.schema_name
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    @admin.action(description=_("Suspend the selected agencies' sites"))
    def suspend(self, request, queryset):
        for agency in queryset:
            services.agency_set_status(
                agency=agency, status=Agency.Status.SUSPENDED, actor=request.user
            )
        messages.success(request, _("Suspended."))

    @admin.action(description=_("Activate the selected agencies' sites"))
    def activate(self, request, queryset):
        for agency in queryset:
            services.agency_set_status(
                agency=agency, status=Agency.Status.ACTIVE, actor=request.user
            )
        messages.success(request, _("Activated."))


@admin.register(Branch)
class BranchAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "city", "province"]
    search_fields = ["code", "name"]


@admin.register(SpareSchema)
class SpareSchemaAdmin(admin.ModelAdmin):
    list_display = ["schema_name", "fingerprint", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
