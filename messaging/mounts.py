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
    from messaging.tabs import sms_tab_register
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    register_builtin()
    labels.register()
    panel_urls_register(prefix="sms/templates/", module="messaging.template_urls")
    panel_nav_register(key="sms", url_name="panel-sms-templates:list", label=_("SMS"), position=75)
    sms_tab_register(
        key="templates", url_name="panel-sms-templates:list", label=_("Templates"), position=10
    )


def _patterns() -> None:
    """Contact patterns and their day's run (decision 037)."""
    from django.utils.translation import gettext_lazy as _

    import messaging.patterns.tasks  # noqa: F401 - its Celery tasks (not an app's tasks.py)
    from messaging.log_sources import sms_source_register
    from messaging.patterns.models import SmsPattern
    from messaging.tabs import sms_tab_register
    from messaging.usage import template_usage_register
    from tenants.panel.registry import panel_urls_register

    panel_urls_register(prefix="sms/patterns/", module="messaging.patterns.urls")
    sms_tab_register(
        key="patterns",
        url_name="panel-sms-patterns:list",
        label=_("Contact patterns"),
        position=20,
        manage_only=True,
    )
    sms_source_register(
        prefix="pattern",
        label=_("Contact pattern"),
        names=lambda ids: dict(SmsPattern.objects.filter(pk__in=ids).values_list("pk", "name")),
    )
    template_usage_register(
        "patterns", lambda template: SmsPattern.objects.filter(template=template).exists()
    )


def _bulk() -> None:
    """Bulk sends: audiences, preview, schedule, progress (decision 038)."""
    from django.utils.translation import gettext_lazy as _

    import messaging.bulk.tasks  # noqa: F401 - its Celery tasks (not an app's tasks.py)
    from messaging.bulk.models import BulkSend
    from messaging.bulk.selectors import template_in_bulk
    from messaging.log_sources import sms_source_register
    from messaging.tabs import sms_tab_register
    from messaging.usage import template_usage_register
    from tenants.panel.registry import panel_urls_register

    template_usage_register("bulk", template_in_bulk)
    sms_source_register(
        prefix="bulk",
        label=_("Bulk send"),
        names=lambda ids: dict(BulkSend.objects.filter(pk__in=ids).values_list("pk", "name")),
    )
    panel_urls_register(prefix="sms/bulk/", module="messaging.bulk.urls")
    sms_tab_register(key="bulk", url_name="panel-sms-bulk:list", label=_("Bulk SMS"), position=30)


def _log() -> None:
    """The sent and received log; inbound messages and opt-outs (decision 039): the log's
    page, its SMS on the customer's timeline, and the audit log's name for an SMS reply."""
    from django.utils.translation import gettext_lazy as _

    from core.labels import ACTORS
    from crm.panel.timeline import timeline_source_register
    from messaging.inbound import SMS_REPLY_ACTOR
    from messaging.log_timeline import sms_timeline_entries
    from messaging.tabs import sms_tab_register
    from tenants.panel.registry import panel_urls_register

    panel_urls_register(prefix="sms/log/", module="messaging.log_urls")
    sms_tab_register(
        key="log",
        url_name="panel-messaging-log:list",
        label=_("Sent and received"),
        position=40,
        manage_only=True,
    )
    timeline_source_register("messaging-sms", sms_timeline_entries)
    ACTORS.register({SMS_REPLY_ACTOR: _("SMS reply")})


def _credit() -> None:
    """Credit and its transactions (panel), top-ups and usage (ops), dashboard card."""
    from django.utils.translation import gettext_lazy as _

    import messaging.credit.tasks  # noqa: F401 - its Celery task (not an app's tasks.py)
    from accounts.decorators import BRANCH_ROLES
    from messaging.credit.dashboard import credit_cards
    from messaging.tabs import sms_tab_register
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
    sms_tab_register(
        key="credit",
        url_name="panel-sms-credit:home",
        label=_("SMS credit"),
        position=50,
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
