"""Whether a policy has a claim, for the rules that depend on it (decision 049): a
cancellation refused when the line's short-rate table says so, and the no-claim years a
renewal carries over (decision 050).

``policies`` keeps no claims itself: the app that does registers a check from its
``AppConfig.ready`` (``claim_check_register(fn)``, ``fn(policy) -> bool``: "this policy has a
claim that is open or paid"; a rejected or withdrawn one does not count). With no check
registered no policy has a claim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ClaimCheck = Callable[[Any], bool]

_checks: list[ClaimCheck] = []


def claim_check_register(check: ClaimCheck) -> ClaimCheck:
    """Add ``check`` (registering the same function again changes nothing)."""
    if check not in _checks:
        _checks.append(check)
    return check


def claim_check_unregister(check: ClaimCheck) -> None:
    """For tests: take ``check`` away again."""
    if check in _checks:
        _checks.remove(check)


def policy_has_claim(policy: Any) -> bool:
    """True when any registered check finds an open or paid claim on ``policy``."""
    return any(check(policy) for check in _checks)
