from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """Support tickets (S-8.4) between customers or agencies and the insurer: queues by
    category, assignment, internal notes, SLA due times over working days, escalation.
    SHARED_APPS: its rows live in the public schema."""

    name = "support"
    verbose_name = _("Support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from support import labels, mounts

        labels.register()
        mounts.register()
