"""Loaded into a benchmark's Celery worker (``celery worker --include``): when the worker is
ready to take messages it touches the file ``BENCH_WORKER_READY`` names, so that the
benchmark starts its clock after the worker's start-up, never during it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery.signals import worker_ready


@worker_ready.connect
def _touch_marker(**_kwargs: Any) -> None:
    marker = os.environ.get("BENCH_WORKER_READY")
    if marker:
        Path(marker).touch()
