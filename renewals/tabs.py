"""The renewals section's tabs: the calls lists and the manager's view here (decision 042);
follow-up calls and the figures register theirs from their blocks in ``renewals.mounts``,
so the section has one nav entry and one row of tabs whatever parts are installed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class RenewalTab:
    key: str
    url_name: str
    label: str | Promise
    position: int
    manage_only: bool = False


_tabs: dict[str, RenewalTab] = {}


def renewal_tab_register(
    *, key: str, url_name: str, label: str | Promise, position: int, manage_only: bool = False
) -> None:
    _tabs[key] = RenewalTab(key, url_name, label, position, manage_only)


def renewal_tabs() -> list[RenewalTab]:
    return sorted(_tabs.values(), key=lambda tab: (tab.position, tab.key))
