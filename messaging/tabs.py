"""The SMS section's tabs: templates, patterns, bulk sends, the log and the credit each
register one (from ``messaging.mounts``), so the section has one nav entry and one row of
tabs whatever parts are installed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class SmsTab:
    key: str
    url_name: str
    label: str | Promise
    position: int
    manage_only: bool = False


_tabs: dict[str, SmsTab] = {}


def sms_tab_register(
    *, key: str, url_name: str, label: str | Promise, position: int, manage_only: bool = False
) -> None:
    _tabs[key] = SmsTab(key, url_name, label, position, manage_only)


def sms_tabs() -> list[SmsTab]:
    return sorted(_tabs.values(), key=lambda tab: (tab.position, tab.key))
