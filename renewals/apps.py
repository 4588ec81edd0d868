from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    """The agency's renewal workflow (SPEC section 7, seed 004): the daily work list shared
    equally among its service staff, call results, online renewal, lapsed policies, follow-up
    calls after issuance and retention figures. TENANT_APPS only: everything is in the
    agency's schema, beside the book it works on."""

    name = "renewals"
    verbose_name = _("Renewals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from renewals import mounts

        mounts.register()
