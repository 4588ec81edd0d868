from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        from tenants import labels, mounts, signals  # noqa: F401 - signals: the host-cache invalidation

        labels.register()
        mounts.register()
