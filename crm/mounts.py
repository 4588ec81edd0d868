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


def _money() -> None:
    """Cheques, promissory notes and debit notes."""


def _ranking() -> None:
    """Ranking weights and recompute."""


def _reports() -> None:
    """The CRM's reports and their exports."""


def _selling() -> None:
    """Selling from the panel."""
