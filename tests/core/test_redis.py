"""A Redis that is stopped or hung fails fast, and once, not on every call."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache

from core.redis import RedisUnavailable, breaker, redis_client
from tests.waiting import eventually


def _poll(predicate, timeout: float = 10.0) -> bool:
    return eventually(predicate, timeout=timeout)


def _answers() -> bool:
    try:
        return redis_client().ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(autouse=True)
def _breaker_moment(settings, own_redis):
    """Long enough that the breaker is still open when the next line runs on a busy machine."""
    settings.REDIS_DOWN_SECONDS = 3.0


def test_the_client_follows_the_settings(own_redis):
    redis_client().set("t-core-redis:probe", "own")
    direct = redis.Redis(port=own_redis.port)
    assert direct.get("t-core-redis:probe") == b"own"
    direct.close()


def test_a_stopped_redis_is_not_tried_again_for_a_moment(own_redis):
    key = f"redis:127.0.0.1:{own_redis.port}"
    assert redis_client().ping() is True
    own_redis.stop()

    with pytest.raises(redis.exceptions.ConnectionError) as refused:
        redis_client().get("anything")
    # The refusal came from the server's closed port; the breaker is now open...
    assert not isinstance(refused.value, RedisUnavailable)
    assert breaker.is_open(key)
    # ...so the next calls, the Django cache's included, do not even try.
    with pytest.raises(RedisUnavailable):
        redis_client().get("anything")
    with pytest.raises(RedisUnavailable):
        cache.get("anything")


def test_a_hung_redis_costs_one_timeout_then_recovers(own_redis):
    key = f"redis:127.0.0.1:{own_redis.port}"
    assert redis_client().set("t-core-redis:before", "1") is True
    own_redis.freeze()

    # The connection is accepted by the kernel but nothing answers: the read times out
    # (settings.REDIS_TIMEOUT_SECONDS) instead of waiting for ever...
    with pytest.raises(redis.exceptions.TimeoutError):
        redis_client().get("t-core-redis:before")
    assert breaker.is_open(key)
    # ...and the calls that follow fail at once, without a connection of their own.
    with pytest.raises(RedisUnavailable):
        redis_client().get("t-core-redis:before")
    with pytest.raises(RedisUnavailable):
        cache.set("t-core-redis:other", 1)

    own_redis.thaw()
    # Once the breaker's moment (settings.REDIS_DOWN_SECONDS) is over, Redis is used again.
    assert _poll(_answers)
    assert redis_client().get("t-core-redis:before") == b"1"
