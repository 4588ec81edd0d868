from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Infrastructure")

    def ready(self) -> None:
        from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS

        # The SMS credit ledger's movements that people make (core.sms.credit).
        AUDIT_ACTION_GROUPS.register({"sms_credit": _("SMS credit")})
        AUDIT_ACTIONS.register(
            {
                "sms_credit.top_up": _("SMS credit topped up by the insurer"),
                "sms_credit.payment": _("SMS credit paid online"),
                "sms_credit.adjustment": _("SMS credit adjusted"),
            }
        )
