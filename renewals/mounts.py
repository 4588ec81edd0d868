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
    import renewals.tasks  # noqa: F401 - the day's Celery tasks
    from crm.signals import book_policies_cancelled
    from renewals.receivers import book_policies_cancelled_receive
    from renewals.services.build import lapsed_items_build, renewal_items_build
    from renewals.services.day import day_step_register

    day_step_register(key="renewal", build=renewal_items_build, position=10)
    day_step_register(key="lapsed", build=lapsed_items_build, position=20)
    book_policies_cancelled.connect(
        book_policies_cancelled_receive, dispatch_uid="renewals.engine.book_cancelled"
    )


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
    """The renewal quote, the SMS link and the new policy linked to the old (decision 043):
    the link's page on agency sites at ``renew/``, staff's "renew now" at
    ``renewals/online/`` (``{% include "renewals/online/_renew_button.html" %}`` with
    ``item``), the ``{renewal_link}`` placeholder, and the receiver linking a newly booked
    policy to the one it renews."""
    from django.utils.translation import pgettext_lazy

    from crm.signals import book_policies_added
    from messaging.placeholders import POLICY, placeholder_register
    from renewals.services.linking import on_book_policies_added
    from renewals.services.online import renewal_link_placeholder
    from tenants.panel.registry import panel_urls_register
    from tenants.storefront import storefront_urls_register

    storefront_urls_register(prefix="renew/", module="renewals.urls_online")
    panel_urls_register(prefix="renewals/online/", module="renewals.urls_online_panel")
    placeholder_register(
        "renewal_link",
        pgettext_lazy("placeholder", "renewal link"),
        POLICY,
        value=renewal_link_placeholder,
        sample="https://ar685.bimeh.ir/renew/…/",
        replaces=True,
    )
    book_policies_added.connect(
        on_book_policies_added, dispatch_uid="renewals.online.book_policies_added"
    )


def _followup() -> None:
    """Follow-up calls after issuance (decision 044): the day's items, the staff member's
    follow-up calls and the agency's "details to correct" list."""
    from django.utils.translation import gettext_lazy as _

    import renewals.tasks_followup  # noqa: F401 - its Celery task (not an app's tasks.py)
    from renewals.services.day import day_step_register
    from renewals.services.followup import followups_build
    from tenants.panel.registry import panel_nav_register, panel_urls_register

    day_step_register(key="followup", build=followups_build, position=30)
    panel_urls_register(prefix="renewals/followup/", module="renewals.urls_followup")
    panel_nav_register(
        key="renewal-followup",
        url_name="panel-renewals-followup:calls",
        label=_("Follow-up calls"),
        position=68,
        badge_url="panel-renewals-followup:badge",
    )


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
