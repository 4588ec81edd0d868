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


def _money() -> None:
    """Cheques, promissory notes and debit notes."""


def _ranking() -> None:
    """Ranking weights and recompute."""


def _reports() -> None:
    """The CRM's reports and their exports (owners and managers), and each report as an
    audience of bulk SMS (decision 031)."""
    from django.utils.translation import gettext_lazy as _

    from crm.reporting.audiences import audiences_register
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    panel_urls_register(prefix="reports/", module="crm.reporting.urls")
    panel_nav_register(
        key="crm-reports",
        url_name="panel-crm-reports:index",
        label=_("Reports"),
        position=90,
        manage_only=True,
    )
    audiences_register()


def _selling() -> None:
    """Selling from the panel."""
