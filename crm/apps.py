from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    """The agency's CRM: its rows live in each agency's schema (TENANT_APPS only)."""

    name = "crm"
    verbose_name = _("Customers (CRM)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm import (
            labels,
            mounts,
            receivers,  # noqa: F401 - definite customers from the ledger
        )

        labels.register()
        mounts.register()
