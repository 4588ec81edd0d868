"""Loaded only into the worker of test_worker_killed (``celery worker --include``): the first
progress step of an export announces itself in a file and the worker hangs there, with part
of the file written, until the test kills it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from settlement.services import exports

_marker = os.environ.get("KILLPOINT_MARKER")
_original = exports._progress


def _hang_after_first_step(export_id: int, attempt: int, rows: int) -> None:
    _original(export_id, attempt, rows)
    if _marker:
        Path(_marker).write_text(f"{rows} rows written")
        threading.Event().wait()  # until the test kills this process


exports._progress = _hang_after_first_step
