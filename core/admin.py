from django.contrib import admin
from django.contrib.admin.utils import lookup_spawns_duplicates

from core.models import AuditLog, SandboxPayment, SmsMessage
from core.text import SearchKey, search_filter, search_terms


class SearchKeyAdminMixin:
    """The admin's search box, whatever spelling was typed (decision 020): every word must
    be found, by its search key, in one of ``search_fields`` (ي/ك, Persian digits and
    half-spaces do not matter). A model's stored ``search_key`` column may be listed as one
    of the fields."""

    def get_search_results(self, request, queryset, search_term):
        fields = [field.lstrip("^=@") for field in self.get_search_fields(request)]  # type: ignore[attr-defined]
        if not fields or not search_terms(search_term):
            return queryset, False
        duplicates = any(lookup_spawns_duplicates(self.opts, field) for field in fields)  # type: ignore[attr-defined]
        return queryset.filter(search_filter(search_term, SearchKey(*fields))), duplicates


@admin.register(AuditLog)
class AuditLogAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target_type", "target_id", "agency_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor_label", "action"]
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "to", "kind", "status", "attempts", "backend", "body"]
    list_filter = ["status", "kind", "backend"]
    search_fields = ["to"]
    readonly_fields = [field.name for field in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["token", "amount", "state", "created_at", "verified_at"]
    list_filter = ["state"]
    search_fields = ["token", "reference", "bank_reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
