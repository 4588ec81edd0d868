"""Production settings pass Django's deployment checks, send HSTS for every host, redirect
plain http (but not the health probe) and carry the production Content-Security-Policy."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from core.csp import build_policy
names = [
    "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    "DEBUG", "TRUSTED_PROXIES",
]
values = {name: getattr(settings, name) for name in names}
values["policy"] = build_policy(settings.SECURE_CSP)
print(json.dumps(values))
"""


def _production(**extra: str) -> dict[str, str]:
    """The least a production deployment must be given (README, Deploy)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL"}
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BASE_DOMAIN": "bimeh.example",
        "KAVENEGAR_API_KEY": "key",
        "KAVENEGAR_SENDER": "10004346",
        "ZARINPAL_MERCHANT_ID": "00000000-0000-0000-0000-000000000000",
        **extra,
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.fixture(scope="module")
def production_settings() -> dict:
    result = _run(["-c", PRINT_SETTINGS], _production(TRUSTED_PROXIES="10.0.0.0/8"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_https_only_with_hsts_for_every_host(production_settings):
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert production_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production_settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_HSTS_PRELOAD"] is True
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production_settings["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert production_settings["X_FRAME_OPTIONS"] == "DENY"
    assert production_settings["DEBUG"] is False
    assert production_settings["TRUSTED_PROXIES"] == ["10.0.0.0/8"]


def test_production_policy_lets_forms_reach_the_platform_and_the_bank_only(production_settings):
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in production_settings["policy"].split("; ")
    )
    assert directives["form-action"] == (
        "'self' https://bimeh.example https://*.bimeh.example https://payment.zarinpal.com"
    )
    assert directives["script-src"] == "'self'"  # the nonce is added per request
    assert directives["upgrade-insecure-requests"] == ""


@pytest.mark.django_db
def test_plain_http_is_redirected_except_the_health_probe(client, settings, production_settings):
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ):
        setattr(settings, name, production_settings[name])
    settings.SECURE_PROXY_SSL_HEADER = tuple(production_settings["SECURE_PROXY_SSL_HEADER"])

    page = client.get("/accounts/login/", HTTP_HOST="localhost")
    assert page.status_code == 301
    assert page["Location"] == "https://localhost/accounts/login/"
    probe = client.get("/healthz", HTTP_HOST="localhost")
    assert probe.status_code == 200
    assert "Strict-Transport-Security" not in probe  # never sent over plain http
    secure = client.get("/accounts/login/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_refuses_a_malformed_trusted_proxy():
    result = _run(
        ["-c", "import django; django.setup()"], _production(TRUSTED_PROXIES="10.0.0.0/33")
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
