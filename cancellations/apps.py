from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CancellationsConfig(AppConfig):
    """Cancellation (surrender) of a policy at the customer's request: the refund by a short-rate
    table, an operator's approval, and the reversal in settlement and commissions.
    SHARED_APPS: its rows live in the public schema."""

    name = "cancellations"
    verbose_name = _("Cancellations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cancellations import labels, mounts

        labels.register()
        mounts.register()
