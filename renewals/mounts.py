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


def _online() -> None:
    """The renewal quote, the SMS link and the new policy linked to the old (decision 043)."""


def _followup() -> None:
    """Follow-up calls after issuance (decision 044)."""


def _figures() -> None:
    """Points, daily premium and retention (decision 045)."""
    from django.utils.translation import gettext_lazy as _

    from renewals.dashboard import renewal_figures
    from tenants.panel import dashboard
    from tenants.panel.registry import (
        SETTINGS,
        panel_link_register,
        panel_nav_register,
        panel_urls_register,
    )

    panel_urls_register(prefix="renewals/", module="renewals.urls_figures")
    panel_nav_register(
        key="renewal-figures",
        url_name="panel-renewal-figures:retention",
        label=_("Renewal figures"),
        position=58,
    )
    panel_link_register(
        place=SETTINGS,
        key="renewal-settings",
        url_name="panel-renewal-figures:settings",
        label=_("Renewal settings and service staff"),
        position=75,
        manage_only=True,
    )
    dashboard.register(renewal_figures, position=35, member=True)
