"""Where cancellations plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``."""

from __future__ import annotations


def register() -> None:
    pass
