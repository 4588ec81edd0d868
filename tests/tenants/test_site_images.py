"""A site's logo and banners are public media: decoded, bounded, written again before they are
kept, and served from /media/ (decision 018)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from tenants.content.models import Banner, SiteSettings
from tests.files import huge_png, jpeg_bytes, png_html_polyglot

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
CONTENT = {"headline": "سرخط تازه", "primary_color": "#000000", "secondary_color": "#ffffff"}


def too_large(megapixels: str) -> str:
    return f"ابعاد تصویر بیش از حد بزرگ است؛ تصویری با حداکثر {megapixels} مگاپیکسل بارگذاری کنید."


@pytest.fixture
def owner(client, agency):
    client.force_login(agency.memberships.get(role="owner").user)
    return client


@pytest.fixture
def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def stored(media: Path) -> list[str]:
    if not media.exists():
        return []
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


def field_errors(response) -> list[str]:
    return re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (huge_png(30_000, 30_000), too_large("۴")),
        (huge_png(2_500, 2_000), too_large("۴")),  # 5 megapixels: a poster, not a logo
    ],
    ids=["30000x30000", "5-megapixels"],
)
def test_an_oversized_logo_is_refused_in_persian_and_nothing_is_stored(
    owner, agency, media, image, message
):
    with schema_context(agency.schema_name):
        before = SiteSettings.objects.values().get()
    response = owner.post(
        "/content/",
        {**CONTENT, "logo": SimpleUploadedFile("logo.png", image)},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 400
    assert field_errors(response) == [message]
    with schema_context(agency.schema_name):
        assert SiteSettings.objects.values().get() == before
    assert before["headline"] != CONTENT["headline"]
    assert stored(media) == []


def test_a_logo_that_is_also_html_is_kept_as_a_picture_only(client, owner, agency, media):
    response = owner.post(
        "/content/",
        {**CONTENT, "logo": SimpleUploadedFile("logo.png", png_html_polyglot())},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with schema_context(agency.schema_name):
        name = SiteSettings.objects.get().logo.name
    assert re.fullmatch(r"site/logos/[0-9a-f]{32}\.png", name)
    assert stored(media) == [name]
    kept = (media / name).read_bytes()
    assert b"<script" not in kept and b"<html" not in kept
    site = client.get("/", HTTP_HOST="ar685.localhost").content.decode()
    assert f'src="/media/{name}"' in site
    served = client.get(f"/media/{name}", HTTP_HOST="ar685.localhost")
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    assert b"".join(served.streaming_content) == kept


def banner(client, image: bytes, name: str = "banner.png"):
    return client.post(
        "/content/banners/add/",
        {
            "title": "جشنواره",
            "link": "/insurance/",
            "is_active": "on",
            "position": "0",
            "image": SimpleUploadedFile(name, image),
        },
        HTTP_HOST=PANEL,
    )


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (huge_png(30_000, 30_000), too_large("۱۲")),
        (huge_png(5_000, 3_000), too_large("۱۲")),  # 15 megapixels
    ],
    ids=["30000x30000", "15-megapixels"],
)
def test_an_oversized_banner_is_refused_in_persian_and_nothing_is_stored(
    owner, agency, media, image, message
):
    response = banner(owner, image)
    assert response.status_code == 400
    assert field_errors(response) == [message]
    with schema_context(agency.schema_name):
        assert not Banner.objects.exists()
    assert stored(media) == []


def test_a_banner_photo_is_kept_upright_without_its_metadata(owner, agency, media):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn to view
    exif[0x8825] = {2: (35.0, 42.0, 0.0)}  # where it was taken
    photo = jpeg_bytes(60, 30, exif=exif.tobytes(), comment=b"<script>alert(1)</script>")
    assert banner(owner, photo, "banner.jpg").status_code == 302
    with schema_context(agency.schema_name):
        name = Banner.objects.get().image.name
    assert re.fullmatch(r"site/banners/[0-9a-f]{32}\.jpg", name)
    kept = (media / name).read_bytes()
    assert b"<script" not in kept and b"Exif" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.size) == ("JPEG", (30, 60))
