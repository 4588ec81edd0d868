"""Which Celery queue each task goes to (decision 055).

Four queues, each with workers of its own in production (docker-compose.yml): ``sms``
(single messages: login codes, links), ``referrals`` (offer waves, where seconds count),
``exports`` (long files and batch runs) and ``default`` (everything else). A login code
never waits behind an export. Every task is named in settings.TASK_QUEUES (a test checks).

Tests run every task on their own default queue (TASK_QUEUE_ROUTING off): their worker
processes listen on one queue of the test's own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

QUEUES = ("sms", "referrals", "exports", "default")


def queue_of(name: str) -> str | None:
    """The queue of the task called ``name`` (``None``: the default queue)."""
    queue = settings.TASK_QUEUES.get(name)
    if queue is None or queue == "default":
        return None
    return f"{settings.TASK_QUEUE_PREFIX}{queue}"


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any):
    if not settings.TASK_QUEUE_ROUTING:
        return None
    queue = queue_of(name)
    return {"queue": queue} if queue else None
