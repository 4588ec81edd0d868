"""Where renewals plug into the panel, the agency site and the dashboard (decision 025),
registered from ``RenewalsConfig.ready``. Each part keeps its own block."""

from __future__ import annotations


def register() -> None:
    from renewals import labels

    labels.register()
    _engine()
    _calls()
    _online()
    _followup()
    _figures()


def _engine() -> None:
    """The day's build and distribution (decision 041)."""


def _calls() -> None:
    """The staff member's list, call results, the manager's view (decision 042)."""
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import pgettext_lazy

    from renewals.tabs import renewal_tab_register
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    panel_urls_register(prefix="renewals/", module="renewals.urls_calls")
    panel_nav_register(
        key="renewals",
        url_name="panel-renewals:list",
        label=pgettext_lazy("panel nav", "Renewals"),
        position=72,
    )
    renewal_tab_register(
        key="calls", url_name="panel-renewals:list", label=_("Renewal calls"), position=10
    )
    renewal_tab_register(
        key="manage",
        url_name="panel-renewals:manage",
        label=_("Renewal staff"),
        position=20,
        manage_only=True,
    )


def _online() -> None:
    """The renewal quote, the SMS link and the new policy linked to the old (decision 043)."""


def _followup() -> None:
    """Follow-up calls after issuance (decision 044)."""


def _figures() -> None:
    """Points, daily premium and retention (decision 045)."""
