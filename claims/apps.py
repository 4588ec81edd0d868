from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    """Online claims (S-8.3, seed 003): filed by the customer on a policy with the line's
    document checklist, worked on ops through assessment to payment, seen by the selling agency.
    SHARED_APPS: its rows live in the public schema."""

    name = "claims"
    verbose_name = _("Claims")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from claims import mounts

        mounts.register()
