from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdviceConfig(AppConfig):
    """Advice requests (S-8.2, seed 002): a customer asks for advice on a line; nearby agencies
    that sell it answer once; the customer accepts one and only then both see each other.
    SHARED_APPS: its rows live in the public schema."""

    name = "advice"
    verbose_name = _("Advice requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from advice import mounts

        mounts.register()
