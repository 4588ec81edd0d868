"""Where the CRM plugs into the panel (decision 025): its URL modules, nav entries, links and
dashboard cards, registered from ``CrmConfig.ready``. Each part of the CRM keeps its own block."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tenants.panel.registry import panel_link_register, panel_nav_register, panel_urls_register


def register() -> None:
    _customers()
    _book()
    _cases()
    _money()
    _ranking()
    _reports()
    _selling()


def _customers() -> None:
    """Customers: list, card, forms, merge; caller lookup and the telephony endpoint.

    Mounted at ``crm/customers/``: policies' old list keeps ``customers/`` (routed and walked,
    decision 025) while the nav entry below takes its place."""
    panel_urls_register(prefix="crm/customers/", module="crm.panel.customer_urls")
    panel_nav_register(
        key="crm-customers",
        url_name="panel-crm-customers:list",
        label=_("Customers"),
        position=40,
        replaces="customers",
    )
    # Caller lookup's page and the telephony token's settings, then the telephony endpoint
    # (a token of the agency's, or a logged-in member: crm.panel.lookup).
    panel_urls_register(prefix="crm/", module="crm.panel.lookup_urls")
    panel_urls_register(prefix="api/crm/", module="crm.panel.api_urls")
    panel_link_register(
        place="settings",
        key="crm-telephony",
        url_name="panel-crm-telephony:settings",
        label=_("Telephony (caller lookup)"),
        position=60,
        manage_only=True,
    )


def _book() -> None:
    """The agency's book: its policies and other insurers' policies, imports."""


def _cases() -> None:
    """Cases, activities, reminders, complaints, claims, gifts, cheques and notes."""


def _money() -> None:
    """Cheques, promissory notes and debit notes."""


def _ranking() -> None:
    """Ranking weights and recompute."""


def _reports() -> None:
    """The CRM's reports and their exports."""


def _selling() -> None:
    """Selling from the panel."""
