from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from referrals import (
            dashboard,  # noqa: F401 - the panel's offer figures
            labels,
            mounts,
            receivers,  # noqa: F401 - connects to policies' signals
        )

        labels.register()
        mounts.register()
