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


def _online() -> None:
    """The renewal quote, the SMS link and the new policy linked to the old (decision 043)."""


def _followup() -> None:
    """Follow-up calls after issuance (decision 044)."""


def _figures() -> None:
    """Points, daily premium and retention (decision 045)."""
