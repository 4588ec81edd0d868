from django.contrib import admin

from core.admin import SearchKeyAdminMixin
from settlement.models import Commission, CommissionPayout, CommissionRate, CommissionStatement


@admin.register(CommissionRate)
class CommissionRateAdmin(admin.ModelAdmin):
    """Rates are added, never edited: a new rate from a date on keeps the record true."""

    list_display = ["agency_kind", "line_code", "percent", "effective_from", "created_by"]
    list_filter = ["agency_kind", "line_code"]
    fields = ["agency_kind", "line_code", "percent", "effective_from"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        from settlement.services.commissions import commission_rate_add

        saved = commission_rate_add(
            agency_kind=obj.agency_kind,
            line_code=obj.line_code,
            percent=obj.percent,
            effective_from=obj.effective_from,
            actor=request.user,
        )
        obj.pk = saved.pk


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ["policy", "agency", "percent", "base", "amount", "issued_at"]
    list_filter = ["agency"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Commission._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    """Statements and payouts change only through their services (built, paid, audited)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommissionStatement)
class CommissionStatementAdmin(_ReadOnlyAdmin):
    list_display = [
        "agency",
        "jalali_year",
        "jalali_month",
        "policy_count",
        "commission_total",
        "paid_total",
        "state",
    ]
    list_filter = ["state", "jalali_year", "jalali_month"]
    list_select_related = ["agency"]
    search_fields = ["agency__code", "agency__name"]


@admin.register(CommissionPayout)
class CommissionPayoutAdmin(_ReadOnlyAdmin):
    list_display = ["statement", "agency", "amount", "paid_on", "reference", "recorded_by"]
    list_select_related = ["statement", "agency", "recorded_by"]
    search_fields = ["reference", "agency__code"]
