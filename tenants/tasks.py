from __future__ import annotations

from celery import shared_task

from core.redis import redis_client
from tenants.provisioning import spare_pool_fill

_REFILL_LOCK = "tenants:spare-pool-refill"


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def spare_pool_refill() -> int:
    """Top the spare-schema pool up. Runs alone (a Redis lock); safe to run twice."""
    lock = redis_client().lock(_REFILL_LOCK, timeout=1800)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return spare_pool_fill()
    finally:
        lock.release()
