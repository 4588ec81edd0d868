"""Distances on the earth, and where a customer is when the map was not used."""

from __future__ import annotations

import math
from decimal import Decimal

from geopy.distance import geodesic

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), as geopy's great_circle uses
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; within 0.5 % of the geodesic, and what the index search ranks by."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """The exact (WGS-84 ellipsoid) distance in whole metres: the one shown to people."""
    return round(geodesic((lat1, lon1), (lat2, lon2)).meters)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a box that holds every point within
    ``radius_km`` great-circle km of (lat, lon): a superset, never a miss."""
    dlat = radius_km / KM_PER_DEGREE
    lat0, lat1 = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(lat0), abs(lat1))
    if widest >= 89.9:
        return -180.0, lat0, 180.0, lat1
    dlon = min(180.0, radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest))))
    return lon - dlon, lat0, lon + dlon, lat1


def _key(name: str) -> str:
    return "".join(name.replace("ي", "ی").replace("ك", "ک").split())


# Centres of the province capitals, for an order whose customer did not pick a point on the
# map: the delivery city, else its province. (latitude, longitude)
_PLACES: dict[str, tuple[str, str]] = {
    "تهران": ("35.6892", "51.3890"),
    "کرج": ("35.8400", "50.9391"),
    "البرز": ("35.8400", "50.9391"),
    "اصفهان": ("32.6539", "51.6660"),
    "مشهد": ("36.2605", "59.6168"),
    "خراسانرضوی": ("36.2605", "59.6168"),
    "تبریز": ("38.0800", "46.2919"),
    "آذربایجانشرقی": ("38.0800", "46.2919"),
    "ارومیه": ("37.5527", "45.0761"),
    "آذربایجانغربی": ("37.5527", "45.0761"),
    "اردبیل": ("38.2498", "48.2933"),
    "شیراز": ("29.5918", "52.5837"),
    "فارس": ("29.5918", "52.5837"),
    "اهواز": ("31.3183", "48.6706"),
    "خوزستان": ("31.3183", "48.6706"),
    "قم": ("34.6416", "50.8746"),
    "کرمانشاه": ("34.3142", "47.0650"),
    "کرمان": ("30.2839", "57.0834"),
    "رشت": ("37.2808", "49.5832"),
    "گیلان": ("37.2808", "49.5832"),
    "ساری": ("36.5633", "53.0601"),
    "مازندران": ("36.5633", "53.0601"),
    "گرگان": ("36.8427", "54.4439"),
    "گلستان": ("36.8427", "54.4439"),
    "زاهدان": ("29.4963", "60.8629"),
    "سیستانوبلوچستان": ("29.4963", "60.8629"),
    "همدان": ("34.7992", "48.5146"),
    "یزد": ("31.8974", "54.3569"),
    "اراک": ("34.0917", "49.6892"),
    "مرکزی": ("34.0917", "49.6892"),
    "قزوین": ("36.2797", "50.0049"),
    "زنجان": ("36.6736", "48.4787"),
    "سنندج": ("35.3219", "46.9862"),
    "کردستان": ("35.3219", "46.9862"),
    "خرمآباد": ("33.4878", "48.3558"),
    "لرستان": ("33.4878", "48.3558"),
    "بندرعباس": ("27.1832", "56.2666"),
    "هرمزگان": ("27.1832", "56.2666"),
    "بوشهر": ("28.9234", "50.8203"),
    "بیرجند": ("32.8663", "59.2211"),
    "خراسانجنوبی": ("32.8663", "59.2211"),
    "بجنورد": ("37.4747", "57.3290"),
    "خراسانشمالی": ("37.4747", "57.3290"),
    "سمنان": ("35.5729", "53.3971"),
    "ایلام": ("33.6374", "46.4227"),
    "شهرکرد": ("32.3256", "50.8644"),
    "چهارمحالوبختیاری": ("32.3256", "50.8644"),
    "یاسوج": ("30.6682", "51.5880"),
    "کهگیلویهوبویراحمد": ("30.6682", "51.5880"),
}
PLACES = {_key(name): value for name, value in _PLACES.items()}


def place_centre(*names: str) -> tuple[Decimal, Decimal] | None:
    """The centre of the first of ``names`` (city, then province) we know, or ``None``."""
    for name in names:
        found = PLACES.get(_key(name or ""))
        if found:
            return Decimal(found[0]), Decimal(found[1])
    return None
