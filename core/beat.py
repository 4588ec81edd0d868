"""Celery beat that cannot run twice (decision 055).

Every tick first holds a Redis lock (``<prefix>:beat-lock``, renewed on each tick, lost
when the holder stops renewing it for BEAT_LOCK_SECONDS). A second beat — a container
started twice, a deploy overlapping the old one — ticks without sending anything until the
lock is free, then takes over. When each entry last ran is in the database
(django-celery-beat), so the one that takes over does not send again what the first sent.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler
from redis.exceptions import RedisError

from core.redis import redis_client

logger = logging.getLogger(__name__)

# Take the lock if it is free, or renew it if it is ours; 1 when held.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def beat_lock_key() -> str:
    return f"{settings.CACHES['default']['KEY_PREFIX']}:beat-lock"


class LockedScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, sending only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        self.lock_token = uuid.uuid4().hex
        self.lock_held = False
        super().__init__(*args, **kwargs)

    @property
    def lock_seconds(self) -> float:
        return float(settings.BEAT_LOCK_SECONDS)

    def hold_lock(self) -> bool:
        try:
            held = redis_client().eval(
                _HOLD, 1, beat_lock_key(), self.lock_token, int(self.lock_seconds * 1000)
            )
        except RedisError as error:
            logger.warning("Beat lock unreachable (%s): nothing sent this tick", error)
            held = 0
        if bool(held) != self.lock_held:
            logger.info("Beat lock %s", "taken" if held else "held by another beat: standing by")
        self.lock_held = bool(held)
        return self.lock_held

    def release_lock(self) -> None:
        with suppress(RedisError):  # otherwise it runs out by itself
            redis_client().eval(_RELEASE, 1, beat_lock_key(), self.lock_token)
        self.lock_held = False

    def tick(self, *args, **kwargs):
        # Never sleep longer than a third of the lock's life: the holder renews it in time.
        most = self.lock_seconds / 3
        if not self.hold_lock():
            return most
        return min(super().tick(*args, **kwargs), most)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_lock()
