from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """The agency's SMS automation: templates, contact patterns, bulk sends, its message log
    and its credit (TENANT_APPS only; the outbox and the credit ledger are core's, in public)."""

    name = "messaging"
    verbose_name = _("SMS automation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import messaging.receivers  # noqa: F401 - replies onto the timeline (039)
        from messaging import mounts

        mounts.register()
