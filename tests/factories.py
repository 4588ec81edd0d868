"""Test data through the same services the product uses."""

from __future__ import annotations

import itertools

from accounts.models import User
from tenants.models import Agency
from tenants.services import agency_create

_codes = itertools.count(900)
_mobiles = itertools.count(1000000)


def next_mobile() -> str:
    return f"0912{next(_mobiles):07d}"


def create_agency(**overrides) -> Agency:
    defaults = {
        "code": next(_codes),
        "name": "نمایندگی آزمایشی",
        "kind": Agency.Kind.AGENT,
        "latitude": "35.700000",
        "longitude": "51.400000",
        "owner_mobile": next_mobile(),
    }
    defaults.update(overrides)
    return agency_create(**defaults)


def create_user(**overrides) -> User:
    mobile = overrides.pop("mobile", None) or next_mobile()
    return User.objects.create_user(mobile, **overrides)
