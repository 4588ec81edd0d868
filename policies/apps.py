from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "policies"
    verbose_name = _("Sales and policies")

    def ready(self) -> None:
        from policies import (
            dashboard,  # noqa: F401 - the panel's sales figures
            labels,
            mounts,
            receivers,  # noqa: F401 - connects the catalog cache's signals
        )
        from policies.selectors import line_choices
        from policies.services.catalog import agency_line_allow_set, line_name_for
        from tenants.control import register_line_handlers

        register_line_handlers(
            name=line_name_for, allow=agency_line_allow_set, choices=line_choices
        )
        labels.register()
        mounts.register()
