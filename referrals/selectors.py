"""Reads of referrals: the nearest eligible agencies, and an agency's offers (the only place
an agency filter on offers is written)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from referrals.geo import bounding_box, geodesic_m
from referrals.models import Offer, Referral, ReferralEvent, ReferralSettings


def referral_settings() -> ReferralSettings:
    """The operator's settings (the single row, created with the defaults on first use)."""
    found, _created = ReferralSettings.objects.get_or_create(pk=1)
    return found


@dataclass
class Nearby:
    agency_id: int
    km: float  # great-circle, what the search ranks by
    origin: tuple[float, float]
    location: tuple[float, float]

    @cached_property
    def distance_m(self) -> int:
        """The geodesic distance, what people see (measured when first asked: ~80 µs)."""
        return geodesic_m(*self.origin, *self.location)


# The index expression of migration 0002 must appear word for word for the planner to use it.
_POINT = "point(a.longitude::float8, a.latitude::float8)"
_KM = (
    "2 * 6371.0088 * asin(least(1.0, sqrt("
    "power(sin(radians(a.latitude::float8 - %(lat)s) / 2), 2)"
    " + cos(radians(%(lat)s)) * cos(radians(a.latitude::float8))"
    " * power(sin(radians(a.longitude::float8 - %(lon)s) / 2), 2))))"
)
_NEAREST_SQL = f"""
    SELECT a.id, {_KM} AS km, a.latitude::float8, a.longitude::float8
    FROM tenants_agency a
    WHERE {_POINT} <@ box(point(%(x0)s, %(y0)s), point(%(x1)s, %(y1)s))
      AND a.status = 'active'
      AND a.schema_name <> 'public'
      {{eligible}}
      AND {_KM} <= %(radius)s
    ORDER BY km, a.id
    LIMIT %(limit)s
"""  # noqa: S608 - no user text: every value is a parameter
_ELIGIBLE = """
      AND a.accepts_referrals
      AND NOT EXISTS (
          SELECT 1 FROM policies_agencyline al
          WHERE al.agency_id = a.id AND al.line_id = %(line)s AND NOT (al.allowed AND al.offered)
      )
      AND NOT EXISTS (
          SELECT 1 FROM referrals_offer o WHERE o.referral_id = %(referral)s AND o.agency_id = a.id
      )
"""


def agencies_within(
    *,
    latitude: float | Decimal,
    longitude: float | Decimal,
    radius_km: float | Decimal,
    limit: int,
    line_id: int | None = None,
    referral_id: int | None = None,
) -> list[Nearby]:
    """The ``limit`` nearest active agencies within ``radius_km`` of a point, nearest first.

    The box around the circle is answered by the GiST index on the agencies' points; the
    great-circle distance then filters and orders what the box holds. With ``line_id`` only
    agencies that accept referrals and may and do sell the line are considered, and with
    ``referral_id`` those already offered that referral are left out.
    """
    lat, lon, radius = float(latitude), float(longitude), float(radius_km)
    x0, y0, x1, y1 = bounding_box(lat, lon, radius)
    params: dict[str, Any] = {
        "lat": lat,
        "lon": lon,
        "x0": x0,
        "y0": y0,
        "x1": x1,
        "y1": y1,
        "radius": radius,
        "limit": limit,
        "line": line_id,
        "referral": referral_id or 0,
    }
    sql = _NEAREST_SQL.format(eligible=_ELIGIBLE if line_id is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Nearby(agency_id=agency_id, km=float(km), origin=(lat, lon), location=(a_lat, a_lon))
        for agency_id, km, a_lat, a_lon in rows
    ]


# The index's own nearest-neighbour order (planar, in degrees) finds ``limit`` agencies
# fast; the farthest of them in km is a radius that is sure to hold the true ``limit``
# nearest, which the circle search then ranks exactly.
_KNN_RADIUS_SQL = f"""
    SELECT max({_KM}) FROM (
        SELECT a.latitude, a.longitude FROM tenants_agency a
        WHERE a.status = 'active' AND a.schema_name <> 'public'
        ORDER BY {_POINT} <-> point(%(lon)s, %(lat)s)
        LIMIT %(limit)s
    ) a
"""  # noqa: S608 - no user text: every value is a parameter


def agencies_nearest(
    *, latitude: float | Decimal, longitude: float | Decimal, limit: int = 10
) -> list[Nearby]:
    """The ``limit`` nearest active agencies, however far, nearest first (exact)."""
    lat, lon = float(latitude), float(longitude)
    with connection.cursor() as cursor:
        cursor.execute(_KNN_RADIUS_SQL, {"lat": lat, "lon": lon, "limit": limit})
        (radius,) = cursor.fetchone()
    if radius is None:
        return []
    return agencies_within(
        latitude=lat, longitude=lon, radius_km=float(radius) * (1 + 1e-9) + 1e-6, limit=limit
    )


# ---- offers, as one agency sees them ------------------------------------------------------


def agency_offers(*, agency: Any, state: str | None = None) -> QuerySet[Offer]:
    """The agency's offers, newest first."""
    offers = Offer.objects.filter(agency=agency).select_related(
        "referral__order__line", "referral__order__tariff_version"
    )
    if state:
        offers = offers.filter(state=state)
    return offers.order_by("-offered_at", "-id")


def agency_offers_waiting(*, agency: Any, now: dt.datetime | None = None) -> QuerySet[Offer]:
    """Offers the agency can still accept, the one expiring first on top."""
    now = now or timezone.now()
    return (
        Offer.objects.filter(
            agency=agency,
            state=Offer.State.WAITING,
            expires_at__gt=now,
            referral__state=Referral.State.OPEN,
        )
        .select_related("referral__order__line")
        .order_by("expires_at", "id")
    )


def agency_offer_get(*, agency: Any, offer_id: int) -> Offer | None:
    return (
        Offer.objects.filter(agency=agency, pk=offer_id)
        .select_related("referral__order__line", "referral__order__customer")
        .first()
    )


def agency_offer_stats(*, agency: Any, since: dt.datetime) -> dict[str, Any]:
    """Figures for the panel's dashboard: offers by state since ``since`` and the average
    time the agency took to accept (seconds, or None)."""
    offers = Offer.objects.filter(agency=agency, offered_at__gte=since)
    counts = dict(offers.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    waiting = agency_offers_waiting(agency=agency).count()
    average = offers.filter(state=Offer.State.ACCEPTED).aggregate(
        average=Avg(F("answered_at") - F("offered_at"))
    )["average"]
    return {
        "waiting": waiting,
        "accepted": counts.get(Offer.State.ACCEPTED, 0),
        "declined": counts.get(Offer.State.DECLINED, 0),
        "expired": counts.get(Offer.State.EXPIRED, 0),
        "withdrawn": counts.get(Offer.State.WITHDRAWN, 0),
        "average_accept_seconds": average.total_seconds() if average is not None else None,
    }


# ---- the insurer's view -------------------------------------------------------------------


def referrals_due(*, now: dt.datetime, limit: int = 100) -> list[int]:
    """Open referrals whose wave time has come, oldest first (ids only: each is moved on in
    its own transaction under a row lock)."""
    return list(
        Referral.objects.filter(state=Referral.State.OPEN, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def orders_never_referred(
    *, paid_after: dt.datetime, paid_before: dt.datetime, limit: int = 100
) -> list[int]:
    """Paid main-site orders without an agency whose referral was neither started nor
    skipped: their start never reached a worker (the broker was down after the payment)."""
    from policies.models import Order

    return list(
        Order.objects.filter(
            channel=Order.Channel.MAIN,
            state=Order.State.PAID,
            agency__isnull=True,
            awaiting_agency=False,
            paid_at__gte=paid_after,
            paid_at__lt=paid_before,
        )
        .exclude(Exists(Referral.objects.filter(order_id=OuterRef("pk"))))
        .exclude(
            Exists(
                ReferralEvent.objects.filter(
                    order_id=OuterRef("pk"), kind=ReferralEvent.Kind.SKIPPED
                )
            )
        )
        .order_by("paid_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def referral_timeline(*, order: Any) -> QuerySet[ReferralEvent]:
    return (
        ReferralEvent.objects.filter(order=order)
        .select_related("agency", "actor")
        .order_by("created_at", "id")
    )


def referrals_open() -> QuerySet[Referral]:
    return (
        Referral.objects.filter(state=Referral.State.OPEN)
        .select_related("order__line")
        .annotate(waiting=Count("offers", filter=Q(offers__state=Offer.State.WAITING)))
        .order_by("created_at")
    )
