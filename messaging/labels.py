"""Names of SMS automation's audit actions and how its changed values read (core.labels)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, audit_value_format_register


def register() -> None:
    AUDIT_ACTION_GROUPS.register(
        {
            "sms_template": _("SMS templates"),
            "sms_pattern": _("Contact patterns"),
            "bulk_send": _("Bulk SMS"),
            "sms_credit_payment": _("SMS credit payments"),
            "sms_settings": _("SMS settings"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "sms_template.created": _("SMS template created"),
            "sms_template.updated": _("SMS template changed"),
            "sms_template.deactivated": _("SMS template deactivated (in use, kept)"),
            "sms_template.deleted": _("SMS template deleted"),
            "sms_pattern.created": _("Contact pattern created"),
            "sms_pattern.changed": _("Contact pattern changed"),
            "sms_pattern.switched": _("Contact pattern switched on or off"),
            "sms_pattern.deleted": _("Contact pattern deleted"),
            "bulk_send.create": _("Bulk SMS created"),
            "bulk_send.schedule": _("Bulk SMS sent or scheduled"),
            "bulk_send.cancel": _("Bulk SMS cancelled"),
            "bulk_send.start": _("Bulk SMS started"),
            "bulk_send.fail": _("Bulk SMS failed"),
            "bulk_send.done": _("Bulk SMS finished"),
            "sms_credit_payment.started": _("SMS credit payment started"),
            "sms_credit_payment.succeeded": _("SMS credit payment succeeded"),
            "sms_credit_payment.failed": _("SMS credit payment failed"),
            "sms_credit_payment.cancelled": _("SMS credit payment cancelled"),
            "sms_settings.updated": _("SMS settings changed"),
        }
    )
    # The audit log keeps the stored text; people read placeholders by their names.
    audit_value_format_register("messaging.smstemplate", "body", _body_shown)


def _body_shown(value: Any) -> str:
    from messaging.placeholders import body_to_written

    return body_to_written(str(value or ""))
