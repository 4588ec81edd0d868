from django.contrib import admin

from referrals.models import Offer, Referral, ReferralEvent, ReferralSettings


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "wave_size",
        "first_radius_km",
        "radius_growth",
        "offer_minutes",
        "max_waves",
        "enabled",
        "updated_at",
    ]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request) -> bool:
        return not ReferralSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        from referrals.services import referral_settings_update

        referral_settings_update(
            actor=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    can_delete = False
    fields = (
        "agency",
        "wave",
        "distance_m",
        "state",
        "offered_at",
        "expires_at",
        "answered_at",
        "answered_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["order", "state", "wave", "agency", "created_at", "closed_at"]
    list_filter = ["state"]
    inlines = [OfferInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Referral._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReferralEvent)
class ReferralEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "kind", "wave", "agency", "actor"]
    list_filter = ["kind"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ReferralEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
