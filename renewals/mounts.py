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
