"""Celery tasks of the tenants app: thin and idempotent."""

from __future__ import annotations

from contextlib import suppress

from celery import shared_task
from django.conf import settings
from redis.exceptions import LockError

from core.redis import redis_client
from tenants.provisioning import spare_pool_fill

_REFILL_LOCK_SECONDS = 1800


def _refill_lock_key() -> str:
    # Under the cache's KEY_PREFIX, like every Redis key: each environment has its own.
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:tenants:spare-pool-refill"


@shared_task(acks_late=True, time_limit=_REFILL_LOCK_SECONDS, soft_time_limit=1700)
def spare_pool_refill() -> int:
    """Drop stale spare schemas and top the pool up; returns how many were built.

    Runs alone (a Redis lock; a second run while one is busy returns 0 at once) and is
    safe to run twice: a full pool builds nothing.
    """
    lock = redis_client().lock(_refill_lock_key(), timeout=_REFILL_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return spare_pool_fill()
    finally:
        # The lock may have expired during a very long refill: nothing left to release.
        with suppress(LockError):
            lock.release()
