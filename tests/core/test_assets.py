"""Front-end assets are served from this server: no page loads a script, style or font
from anywhere else."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize(
    "host,path,logged_in",
    [
        ("localhost", "/", False),
        ("ar685.localhost", "/", True),
        ("ar685.localhost", "/accounts/login/", False),
        ("ar685.localhost", "/accounts/profile/", True),
        ("panel.localhost", "/", True),
        ("localhost", "/api/docs/", False),
        ("localhost", "/dev/sms/", False),
        ("ar999.localhost", "/", False),
    ],
)
def test_every_asset_is_local_and_exists(client, agency, host, path, logged_in):
    if logged_in:
        client.force_login(agency.memberships.get().user)
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code in (200, 404)
    assets = _assets(response.content.decode())
    assert assets, f"{host}{path} loads no asset at all"
    for url in assets:
        if url == "/api/docs/?script=":  # Swagger UI's start-up script, served by its view
            assert client.get(url, HTTP_HOST=host).status_code == 200
            continue
        assert url.startswith("/static/"), f"{host}{path} loads {url} from elsewhere"
        assert finders.find(url.removeprefix("/static/")), f"{url} is not installed"
