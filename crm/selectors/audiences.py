"""Audiences: lists of customers a bulk SMS can go to (S-6.3, issue 13), each made from a
report (S-6.8) or any other selector. An audience is registered under a key with a label and
a selector that takes the report's filters as keyword arguments and returns a queryset of
customer ids; :func:`audience_customer_ids` keeps only those an SMS may reach
(:func:`sms_reachable`).

    audience_register("unhappy", _("Unhappy customers"), lambda **f: unhappy_ids())
    ids = audience_customer_ids("unhappy")          # a QuerySet of ids, not yet run
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.functional import Promise

from crm.models import Customer
from crm.selectors.customers import customers_live


@dataclass(frozen=True)
class Audience:
    key: str
    label: str | Promise
    selector: Callable[..., QuerySet[Any]]


_audiences: dict[str, Audience] = {}


def audience_register(
    key: str, label: str | Promise, selector: Callable[..., QuerySet[Any]]
) -> Audience:
    """Offer ``selector`` (filters as keyword arguments → a queryset of customer ids) as an
    audience. Registering the same again changes nothing; another under a taken key is
    refused."""
    audience = Audience(key=key, label=label, selector=selector)
    existing = _audiences.setdefault(key, audience)
    if existing != audience and _origin(existing) != _origin(audience):
        raise ImproperlyConfigured(f"The audience {key!r} is already registered.")
    return audience


def _origin(audience: Audience) -> tuple[str, str, str]:
    """What makes two registrations the same (a selector made again by the same code)."""
    selector = audience.selector
    return (str(audience.label), selector.__module__, selector.__qualname__)


def audiences() -> list[Audience]:
    """Every registered audience, in the order registered."""
    return list(_audiences.values())


def audience_get(key: str) -> Audience:
    """The audience registered under ``key`` (``KeyError`` for an unknown one)."""
    return _audiences[key]


def sms_reachable(customers: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """The live customers an SMS of the agency may go to: a mobile, consent to SMS, and not
    opted out (decision 026)."""
    customers = customers if customers is not None else customers_live()
    return customers.filter(
        merged_into__isnull=True, sms_consent=True, sms_opted_out_at__isnull=True
    ).exclude(mobile="")


def audience_customer_ids(key: str, **filters: Any) -> QuerySet[Customer]:
    """The ids of the customers of audience ``key`` whom an SMS may reach, as a queryset of
    ``id`` values (one query when read; nothing is loaded here)."""
    wanted = audience_get(key).selector(**filters)
    return (
        sms_reachable().filter(pk__in=wanted).order_by("id").values_list("id", flat=True)  # type: ignore[return-value]
    )
