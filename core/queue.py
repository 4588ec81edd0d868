"""Sending work to Celery after a commit, without ever failing the request that committed.

The work's row is already in PostgreSQL when a task is sent; if the broker cannot be
reached the task is not sent, a warning is logged, and the beat sweep that looks for such
rows sends it later. After a failure each process stops trying for ``BROKER_DOWN_SECONDS``,
so a dead broker costs a few requests a short wait (refused: milliseconds; hung: the
broker's socket timeout), not every request.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.redis import breaker

logger = logging.getLogger(__name__)

__all__ = ["BrokerUnavailable", "enqueue", "enqueue_on_commit"]


def _breaker_key(task: Any) -> str:
    conf = task.app.conf
    return f"broker:{conf.broker_write_url or conf.broker_url}"


def enqueue(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send ``task`` with these arguments; False (logged) when the broker cannot be reached.

    Only for work that a sweep finds again from its rows: the caller moves on either way.
    """
    key = _breaker_key(task)
    if breaker.is_open(key):
        logger.warning("Broker down a moment ago: %s not sent, left to its sweep", task.name)
        return False
    try:
        task.delay(*args, **kwargs)
    except BrokerUnavailable as error:
        breaker.trip(key, float(settings.BROKER_DOWN_SECONDS))
        logger.warning("Broker unreachable (%s): %s not sent, left to its sweep", error, task.name)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """``enqueue`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
