"""The short-rate tables are data operators keep in the admin (decision 049); requests and
refunds are read here, and change only through the services (the ops queue)."""

from django.contrib import admin

from cancellations.models import CancellationRequest, Refund, ShortRateBand, ShortRateTable


class ShortRateBandInline(admin.TabularInline):
    model = ShortRateBand
    extra = 1


@admin.register(ShortRateTable)
class ShortRateTableAdmin(admin.ModelAdmin):
    list_display = ["__str__", "method", "refuse_when_claim", "note"]
    inlines = [ShortRateBandInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CancellationRequest)
class CancellationRequestAdmin(ReadOnlyAdmin):
    list_display = ["policy", "state", "last_day", "refund", "created_at", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["policy", "decided_by"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["policy", "amount", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["policy"]
