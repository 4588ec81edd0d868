from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Cross-agency reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reports import mounts

        mounts.register()
