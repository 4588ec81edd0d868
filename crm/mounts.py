"""Where the CRM plugs into the panel (decision 025): its URL modules, nav entries, links and
dashboard cards, registered from ``CrmConfig.ready``. Each part of the CRM keeps its own block."""

from __future__ import annotations


def register() -> None:
    _customers()
    _book()
    _cases()
    _money()
    _ranking()
    _reports()
    _selling()


def _customers() -> None:
    """Customers: list, card, forms, merge; caller lookup and the telephony endpoint."""


def _book() -> None:
    """The agency's book: its policies and other insurers' policies, imports."""


def _cases() -> None:
    """Cases, activities, reminders, complaints, claims, gifts, cheques and notes."""
    from django.utils.translation import gettext_lazy as _

    from crm import labels_cases
    from crm.dashboard_cases import cases_cards
    from tenants.panel import dashboard
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    panel_urls_register(prefix="cases/", module="crm.panel_urls.cases")
    panel_nav_register(
        key="crm-cases",
        url_name="crm-cases:list",
        label=_("Cases"),
        position=60,
        badge_url="crm-cases:due-badge",
    )
    panel_nav_register(
        key="crm-calendar", url_name="crm-cases:calendar", label=_("Calendar"), position=62
    )
    panel_nav_register(
        key="crm-complaints",
        url_name="crm-cases:complaints",
        label=_("Complaints"),
        position=64,
    )
    dashboard.register(cases_cards, position=55, member=True)
    labels_cases.register()


def _money() -> None:
    """Cheques, promissory notes and debit notes."""


def _ranking() -> None:
    """Ranking weights and recompute."""


def _reports() -> None:
    """The CRM's reports and their exports."""


def _selling() -> None:
    """Selling from the panel."""
