from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Settlement and commissions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from settlement import (
            dashboard,  # noqa: F401 - the panel's commission figure
            labels,
            mounts,
            receivers,  # noqa: F401 - commissions at issuance
        )

        labels.register()
        mounts.register()
