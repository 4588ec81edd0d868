"""The nearest-agency search (issue 4, point 3): exact against a brute-force ranking, and
answered from the GiST index on the agencies' points (core PostgreSQL, no contrib)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection

from referrals.geo import bounding_box, geodesic_m, haversine_km, place_centre
from referrals.selectors import _NEAREST_SQL, agencies_nearest, agencies_within
from tenants.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def scattered(db):
    """400 active agencies over Iran, placed by a fixed seed."""
    rng = random.Random(685)
    rows = [
        Agency(
            code=9000 + i,
            schema_name=f"ar{9000 + i}",
            name=f"a{i}",
            status=Agency.Status.ACTIVE,
            latitude=Decimal(f"{rng.uniform(25.5, 39.5):.6f}"),
            longitude=Decimal(f"{rng.uniform(44.5, 62.5):.6f}"),
        )
        for i in range(400)
    ]
    Agency.objects.bulk_create(rows)
    return list(Agency.objects.filter(code__gte=9000))


def _brute_force(agencies, lat, lon, limit, radius=None):
    ranked = sorted(
        (haversine_km(lat, lon, float(a.latitude), float(a.longitude)), a.pk) for a in agencies
    )
    if radius is not None:
        ranked = [item for item in ranked if item[0] <= radius]
    return [pk for _km, pk in ranked[:limit]]


def test_the_nearest_ten_are_exactly_the_brute_force_ten(scattered):
    rng = random.Random(1)
    for _ in range(25):
        lat, lon = rng.uniform(26, 39), rng.uniform(45, 62)
        found = agencies_nearest(latitude=lat, longitude=lon, limit=10)
        assert [f.agency_id for f in found] == _brute_force(scattered, lat, lon, 10)


def test_within_a_radius_nothing_is_missed_and_nothing_is_outside(scattered):
    rng = random.Random(2)
    for radius in (30, 80, 200):
        for _ in range(10):
            lat, lon = rng.uniform(26, 39), rng.uniform(45, 62)
            found = agencies_within(latitude=lat, longitude=lon, radius_km=radius, limit=500)
            assert [f.agency_id for f in found] == _brute_force(scattered, lat, lon, 500, radius)
            assert all(f.km <= radius for f in found)


def test_the_distance_shown_is_the_geodesic(scattered):
    lat, lon = 35.7, 51.4
    for found in agencies_nearest(latitude=lat, longitude=lon, limit=3):
        agency = Agency.objects.get(pk=found.agency_id)
        assert found.distance_m == geodesic_m(
            lat, lon, float(agency.latitude), float(agency.longitude)
        )
        assert abs(found.distance_m / 1000 - found.km) <= 0.006 * found.km + 0.001


def test_the_search_is_answered_by_the_gist_index(scattered):
    x0, y0, x1, y1 = bounding_box(35.7, 51.4, 20)
    params = {"lat": 35.7, "lon": 51.4, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
    params |= {"radius": 20, "limit": 10}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # 400 rows: the planner would scan
        cursor.execute("EXPLAIN " + _NEAREST_SQL.format(eligible=""), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tenants_agency_location_gist" in plan, plan


def test_the_box_holds_the_whole_circle_even_far_north():
    from geopy.distance import great_circle

    for lat in (0.0, 35.7, 60.0, 80.0):
        x0, y0, x1, y1 = bounding_box(lat, 50.0, 100)
        for bearing in range(0, 360, 5):
            edge = great_circle(kilometers=99.999).destination((lat, 50.0), bearing)
            assert y0 <= edge.latitude <= y1 and x0 <= edge.longitude <= x1, (lat, bearing)


def test_place_names_are_found_with_arabic_letters_and_spaces():
    assert place_centre("", "خراسان رضوي") == (Decimal("36.2605"), Decimal("59.6168"))
    assert place_centre("ناکجا", "") is None
