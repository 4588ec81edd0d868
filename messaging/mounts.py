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
    """Templates with placeholders and the live preview."""


def _patterns() -> None:
    """Contact patterns and their daily run."""


def _bulk() -> None:
    """Bulk sends: audiences, preview, schedule, progress."""


def _log() -> None:
    """The sent and received log; inbound messages and opt-outs."""


def _credit() -> None:
    """Credit and its transactions (panel), top-ups and usage (ops), dashboard card."""
    from django.utils.translation import gettext_lazy as _

    import messaging.credit.tasks  # noqa: F401 - its Celery task (not an app's tasks.py)
    from accounts.decorators import BRANCH_ROLES
    from messaging.credit.dashboard import credit_cards
    from tenants.ops.registry import ops_section_register, ops_urls_register
    from tenants.panel import dashboard
    from tenants.panel.registry import SETTINGS, panel_link_register, panel_urls_register

    panel_urls_register(prefix="sms/credit/", module="messaging.credit.panel_urls")
    panel_link_register(
        place=SETTINGS,
        key="sms-credit",
        url_name="panel-sms-credit:home",
        label=_("SMS credit"),
        position=70,
        manage_only=True,
    )
    panel_link_register(
        place=SETTINGS,
        key="sms-settings",
        url_name="panel-sms-credit:settings",
        label=_("SMS settings"),
        position=71,
        manage_only=True,
    )
    dashboard.register(credit_cards, position=85)
    ops_urls_register(prefix="sms/", module="messaging.credit.ops_urls")
    ops_section_register(
        key="sms",
        url_name="ops-sms-credit:home",
        title=_("SMS credit"),
        description=_("Each agency's SMS credit and usage; top-ups and adjustments."),
        roles=BRANCH_ROLES,
        position=95,
    )
