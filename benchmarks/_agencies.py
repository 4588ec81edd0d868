"""Filling the bench database with agencies quickly, through the product's own code."""

from __future__ import annotations

import itertools
import time

from tenants.models import Agency
from tenants.provisioning import spare_pool_fill, spare_pool_size
from tenants.services import agency_create

_codes = itertools.count(10_000)


def next_code() -> int:
    code = next(_codes)
    while Agency.objects.filter(code=code).exists():
        code = next(_codes)
    return code


def create_one(code: int | None = None) -> Agency:
    code = next_code() if code is None else code
    return agency_create(
        code=code,
        name=f"نمایندگی {code}",
        latitude="35.700000",
        longitude="51.400000",
        owner_mobile=f"0912{code:07d}",
        city="تهران",
        province="تهران",
    )


def warm_pool(size: int) -> float:
    """Build spares (one transaction per schema, the same SQL as always) until ``size``."""
    started = time.monotonic()
    if spare_pool_size() < size:
        spare_pool_fill(size=size)
    return time.monotonic() - started


def ensure_agencies(count: int) -> tuple[float, float]:
    """At least ``count`` agencies, each with a real schema claimed from a warm pool.

    Returns (seconds building spares, seconds creating agencies).
    """
    missing = count - Agency.objects.count()
    if missing <= 0:
        return 0.0, 0.0
    build = warm_pool(missing)
    started = time.monotonic()
    for _ in range(missing):
        create_one()
    return build, time.monotonic() - started
