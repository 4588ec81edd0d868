"""Waiting in tests: poll for a condition until a deadline, never sleep a fixed time.

A fixed sleep is either too short on a busy machine (the test fails for no reason) or too
long everywhere else; a deadline is only reached when something is really wrong. This is
the one place in tests/ allowed to call ``time.sleep`` (tests/core/test_suite_rules.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.05) -> T:
    """Call ``predicate`` until it returns something true and return that; raise
    ``TimeoutError`` (with the last value seen) if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"still {value!r} after {timeout} s")
        time.sleep(interval)


def eventually(predicate: Callable[[], object], *, timeout: float = 30.0) -> bool:
    """Whether ``predicate`` came true within ``timeout`` seconds, for
    ``assert eventually(...), diagnostics``."""
    try:
        wait_until(predicate, timeout=timeout)
    except TimeoutError:
        return False
    return True
