from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import AgencyMembership, OneTimeCode, User
from core.admin import SearchKeyAdminMixin
from core.forms import MobileField, NationalCodeField


class UserCreationAdminForm(AdminUserCreationForm):
    mobile = MobileField()

    class Meta:
        model = User
        fields = ("mobile",)


class UserChangeAdminForm(UserChangeForm):
    mobile = MobileField()
    national_code = NationalCodeField(required=False)

    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(SearchKeyAdminMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["-date_joined"]
    list_display = ["mobile", "first_name", "last_name", "insurer_role", "is_staff", "date_joined"]
    list_filter = ["insurer_role", "is_staff", "is_superuser", "is_active"]
    # The stored key holds name and mobile (core.text); national codes are searched too.
    search_fields = ["search_key", "national_code"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("mobile", "password")}),
        (
            _("Identity"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "national_code",
                    "birth_date",
                    "email",
                    "identity_verified_at",
                    "mobile_verified_at",
                    "signup_agency",
                )
            },
        ),
        (
            _("Roles"),
            {"fields": ("insurer_role", "is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("mobile", "usable_password", "password1", "password2"),
            },
        ),
    )
    raw_id_fields = ["signup_agency"]

    def get_readonly_fields(self, request, obj=None):
        """A verified identity is not edited here either (services keep it locked)."""
        readonly = ["mobile_verified_at"]
        if obj is not None and obj.identity_locked:
            readonly += [*User.IDENTITY_FIELDS, "identity_verified_at"]
        return readonly


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["mobile", "created_at", "expires_at", "attempts", "used_at"]
    search_fields = ["mobile"]
    exclude = ["code_hash"]
    readonly_fields = ["mobile", "created_at", "expires_at", "attempts", "used_at", "ip_address"]

    def has_add_permission(self, request):
        return False
