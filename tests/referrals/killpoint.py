"""Loaded only into the worker of test_worker_killed (``celery worker --include``): the first
offer SMS of a wave announces itself in a file and the worker hangs there, inside the
wave's transaction, until the test kills it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from referrals import services

_marker = os.environ.get("KILLPOINT_MARKER")
_original = services._offer_sms


def _hang_after_first_offer(**kwargs):
    _original(**kwargs)
    if _marker:
        Path(_marker).write_text("inside the wave")
        threading.Event().wait()  # until the test kills this process


services._offer_sms = _hang_after_first_offer
