from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def redis_client() -> redis.Redis:
    """A client for locks and counters (the Django cache has neither locks nor atomic TTLs)."""
    return redis.Redis.from_url(settings.REDIS_URL)
