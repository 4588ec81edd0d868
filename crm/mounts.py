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
    from django.utils.translation import gettext_lazy as _

    from tenants.panel.registry import (
        SETTINGS,
        panel_link_register,
        panel_nav_register,
        panel_urls_register,
    )

    panel_urls_register(prefix="book/", module="crm.book_urls")
    panel_nav_register(key="crm-book", url_name="crm-book:list", label=_("Book"), position=50)
    panel_link_register(
        place=SETTINGS,
        key="crm-book-fields",
        url_name="crm-book:settings",
        label=_("Free fields of the book"),
        position=60,
        manage_only=True,
    )


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
    from django.utils.translation import gettext_lazy as _

    from crm.money_dashboard import instrument_cards
    from tenants.panel import dashboard
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    panel_urls_register(prefix="cheques/", module="crm.money_urls")
    panel_nav_register(
        key="cheques", url_name="panel-cheques:list", label=_("Cheques and notes"), position=45
    )
    dashboard.register(instrument_cards, position=40)


def _ranking() -> None:
    """Ranking weights and recompute."""
    from django.utils.translation import gettext_lazy as _

    from tenants.panel.registry import panel_nav_register, panel_urls_register

    panel_urls_register(prefix="ranking/", module="crm.ranking_urls")
    panel_nav_register(
        key="ranking",
        url_name="panel-ranking:weights",
        label=_("Customer ranking"),
        position=47,
        manage_only=True,
    )


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
    """Selling from the panel (decision 032): its pages at ``sell/``, a nav entry, and the
    link texted to the customer, served on the agency sites at ``sale/``. The customer card
    shows the "new sale" button with ``{% include "crm/selling/_card_button.html" %}``
    (``panel-selling:new`` with the customer's id)."""
    from django.utils.translation import gettext_lazy as _

    from tenants.panel.registry import panel_nav_register, panel_urls_register
    from tenants.storefront import storefront_urls_register

    panel_urls_register(prefix="sell/", module="crm.panel_selling_urls")
    panel_nav_register(
        key="selling", url_name="panel-selling:list", label=_("Panel sales"), position=47
    )
    storefront_urls_register(prefix="sale/", module="crm.sale_link_urls")
