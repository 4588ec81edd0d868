from django.contrib import admin

from core.models import AuditLog, SandboxPayment, SmsMessage


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "kind", "status", "attempts", "backend", "body"]
    list_filter = ["status", "kind", "backend"]
    search_fields = ["to"]
    readonly_fields = [field.name for field in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(admin.ModelAdmin):
    list_display = ["token", "amount", "state", "created_at", "verified_at"]
    list_filter = ["state"]
    search_fields = ["token", "reference", "bank_reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
