"""Where SMS automation plugs into the panel, the ops host and the dashboard (decision 025),
registered from ``MessagingConfig.ready``. Each part keeps its own block."""

from __future__ import annotations


def register() -> None:
    _templates()
    _patterns()
    _bulk()
    _log()
    _credit()


def _templates() -> None:
    """Templates with placeholders and the live preview (decision 035)."""
    from django.utils.translation import gettext_lazy as _

    from messaging import labels
    from messaging.placeholders import register_builtin
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    register_builtin()
    labels.register()
    panel_urls_register(prefix="sms/templates/", module="messaging.template_urls")
    panel_nav_register(key="sms", url_name="panel-sms-templates:list", label=_("SMS"), position=75)


def _patterns() -> None:
    """Contact patterns and their daily run."""


def _bulk() -> None:
    """Bulk sends: audiences, preview, schedule, progress (decision 038)."""
    from django.utils.translation import gettext_lazy as _

    import messaging.bulk.tasks  # noqa: F401 - its Celery tasks (not an app's tasks.py)
    from messaging.bulk.selectors import template_in_bulk
    from messaging.usage import template_usage_register
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    template_usage_register("bulk", template_in_bulk)
    panel_urls_register(prefix="sms/bulk/", module="messaging.bulk.urls")
    panel_nav_register(
        key="messaging-bulk",
        url_name="panel-sms-bulk:list",
        label=_("Bulk SMS"),
        position=74,
    )


def _log() -> None:
    """The sent and received log; inbound messages and opt-outs."""


def _credit() -> None:
    """Credit and its transactions (panel), top-ups and usage (ops), dashboard card."""
