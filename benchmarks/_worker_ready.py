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


def wait_until_ready(
    markers: list[Path], processes: list[Any], log: Path, seconds: float = 120
) -> None:
    """Wait until every worker has touched its marker (``BENCH_WORKER_READY``); refuse if one
    exits first or ``seconds`` pass. The benchmark's process calls this, not the worker."""
    import time

    deadline = time.monotonic() + seconds
    while not all(marker.exists() for marker in markers):
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"a benchmark worker exited while starting; see {log}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"a benchmark worker did not start in {seconds:.0f} s; see {log}")
        time.sleep(0.05)
    for marker in markers:
        marker.unlink(missing_ok=True)
