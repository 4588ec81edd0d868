"""Celery tasks of the tenants app: thin and idempotent."""

from __future__ import annotations

from contextlib import suppress

from celery import shared_task
from redis.exceptions import LockError

from core.redis import redis_client
from tenants.provisioning import spare_pool_fill

_REFILL_LOCK = "tenants:spare-pool-refill"
_REFILL_LOCK_SECONDS = 1800


@shared_task(acks_late=True, time_limit=_REFILL_LOCK_SECONDS, soft_time_limit=1700)
def spare_pool_refill() -> int:
    """Drop stale spare schemas and top the pool up; returns how many were built.

    Runs alone (a Redis lock; a second run while one is busy returns 0 at once) and is
    safe to run twice: a full pool builds nothing.
    """
    lock = redis_client().lock(_REFILL_LOCK, timeout=_REFILL_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return spare_pool_fill()
    finally:
        # The lock may have expired during a very long refill: nothing left to release.
        with suppress(LockError):
            lock.release()
