"""Public media (site logos and banners) is served in every mode, production included, and
nothing else under /media/ is: not the private folders, not another kind of file
(decision 018). The compose file gives every app process the same two volumes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import resolve
from django.utils.http import http_date

from core.views import public_media
from tests.files import png_bytes

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("localhost", "panel.localhost", "ops.localhost")
LOGO = "site/logos/3f2a9c.png"
# Paths that must never be served: private folders, other kinds of file, ways out.
REFUSED = [
    "policies/main/1405/AB23CD45EF.pdf",
    "documents/main/x/card.png",
    "private/anything.png",
    "site/logos/page.html",
    "site/logos/image.svg",
    "site/logos/../../policies/main/1405/AB23CD45EF.pdf",
    "site/logos/%2e%2e/%2e%2e/documents/main/x/card.png",
    "site/logos/missing.png",
    "site/logos/link.png",
    "site/logos/",
]


def _plant(media: Path) -> None:
    """A logo, plus files that must stay unserved even though they sit under MEDIA_ROOT (as
    earlier versions left them), and a link out of the media folder."""
    for name, content in {
        LOGO: png_bytes(),
        "policies/main/1405/AB23CD45EF.pdf": b"%PDF-1.4 a policy",
        "documents/main/x/card.png": png_bytes(),
        "site/logos/page.html": b"<html><script>alert(1)</script></html>",
        "site/logos/image.svg": b"<svg onload='alert(1)'/>",
    }.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(content)
    outside = media.parent / "outside.png"
    outside.write_bytes(png_bytes())
    (media / "site/logos/link.png").symlink_to(outside)


@pytest.fixture
def media(settings) -> Path:
    root = Path(settings.MEDIA_ROOT)
    _plant(root)
    return root


@pytest.mark.django_db
@pytest.mark.usefixtures("development_urls")
def test_in_development_a_logo_is_served_as_an_image_and_nothing_else_is(client, media):
    for host in HOSTS:
        response = client.get(f"/media/{LOGO}", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert b"".join(response.streaming_content) == (media / LOGO).read_bytes()
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "public, max-age=604800"
        for path in REFUSED:
            assert client.get(f"/media/{path}", HTTP_HOST=host).status_code == 404, (host, path)


@pytest.mark.django_db
def test_a_logo_answers_not_modified_and_only_to_reading(client, media):
    modified = http_date((media / LOGO).stat().st_mtime)
    again = client.get(f"/media/{LOGO}", HTTP_HOST="localhost", HTTP_IF_MODIFIED_SINCE=modified)
    assert (again.status_code, again.content) == (304, b"")
    assert client.head(f"/media/{LOGO}", HTTP_HOST="localhost").status_code == 200
    assert client.post(f"/media/{LOGO}", HTTP_HOST="localhost").status_code == 405


PRODUCTION_CLIENT = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

assert settings.PRODUCTION and not settings.DEBUG
# The image builds the static files' manifest (collectstatic); this check has none, and the
# 404 page names static files.
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    client = Client()
    answers = {}
    for host in sys.argv[1].split(","):
        for path in sys.argv[2:]:
            response = client.get(path, HTTP_HOST=host, secure=True)
            answers[host + path] = [response.status_code, response.get("Content-Type")]
print(json.dumps(answers))
"""


@pytest.mark.django_db
def test_in_production_public_media_resolves_and_private_paths_are_404(tmp_path):
    media, private = tmp_path / "media", tmp_path / "private"
    _plant(media)
    (private / "policies/main/1405").mkdir(parents=True)
    (private / "policies/main/1405/0123456789abcdef0123456789abcdef.pdf").write_bytes(b"%PDF-")
    paths = [f"/media/{LOGO}", *(f"/media/{path}" for path in REFUSED)]
    paths.append("/media/policies/main/1405/0123456789abcdef0123456789abcdef.pdf")
    database = settings.DATABASES["default"]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "SMS_BACKEND", "DJANGO_ENV", "DJANGO_DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="production",
        SECRET_KEY="production-check-" + "x" * 40,
        SMS_BACKEND="kavenegar",
        KAVENEGAR_API_KEY="key",
        ZARINPAL_MERCHANT_ID="merchant",
        MEDIA_ROOT=str(media),
        PRIVATE_MEDIA_ROOT=str(private),
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_CLIENT, ",".join(HOSTS), *paths],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(answers) == len(HOSTS) * len(paths)
    for host in HOSTS:
        assert answers[f"{host}/media/{LOGO}"] == [200, "image/png"]
    refused = {key: status for key, (status, _type) in answers.items() if LOGO not in key}
    assert set(refused.values()) == {404}, refused


def test_media_urls_are_the_public_media_view_on_every_host():
    for urlconf in settings.URLCONF_BY_SITE.values():
        match = resolve(f"/media/{LOGO}", urlconf=urlconf)
        assert match.func is public_media, urlconf


def test_the_compose_file_gives_every_app_process_both_volumes_at_the_configured_paths():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services, volumes = compose["services"], compose["volumes"]
    assert {"media", "private"} <= set(volumes)
    app = [name for name, service in services.items() if "build" in service]
    assert sorted(app) == ["beat", "migrate", "web", "worker-batch", "worker-interactive"]
    for name in app:
        service = services[name]
        env = service["environment"]
        assert (env["MEDIA_ROOT"], env["PRIVATE_MEDIA_ROOT"]) == ("/app/media", "/app/private")
        assert set(service["volumes"]) == {"media:/app/media", "private:/app/private"}, name
    # Nothing else mounts them: private files reach nobody but the app's own views.
    for name, service in services.items():
        if name not in app:
            mounts = " ".join(service.get("volumes", []))
            assert "media:" not in mounts and "private:" not in mounts, name
    # The web process serves /media/ itself (core.views.public_media), on its one port (one
    # host port per web container, decision 055).
    assert services["web"]["ports"] == ["8000-8001:8000"]
    assert [name for name, service in services.items() if service.get("ports")] == ["web"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /app/media /app/private" in dockerfile
