"""Production mode refuses to start with an insecure configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _boot(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SMS_BACKEND", "DJANGO_ENV"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('booted')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_development_secret():
    result = _boot(DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_sms_backend():
    result = _boot(DJANGO_ENV="production", SECRET_KEY="x" * 50, SMS_BACKEND="dev")
    assert result.returncode != 0
    assert "development SMS backend" in result.stderr


def test_production_requires_the_kavenegar_key():
    result = _boot(
        DJANGO_ENV="production", SECRET_KEY="x" * 50, SMS_BACKEND="kavenegar", KAVENEGAR_API_KEY=""
    )
    assert result.returncode != 0
    assert "KAVENEGAR_API_KEY" in result.stderr


def test_production_boots_when_configured():
    result = _boot(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        SMS_BACKEND="kavenegar",
        KAVENEGAR_API_KEY="key",
        ZARINPAL_MERCHANT_ID="merchant",
    )
    assert result.returncode == 0, result.stderr
    assert "booted" in result.stdout


def test_production_refuses_the_sandbox_bank():
    result = _boot(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        SMS_BACKEND="kavenegar",
        KAVENEGAR_API_KEY="key",
        PAYMENT_GATEWAY="sandbox",
    )
    assert result.returncode != 0
    assert "sandbox bank" in result.stderr


def test_production_requires_the_zarinpal_merchant():
    result = _boot(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        SMS_BACKEND="kavenegar",
        KAVENEGAR_API_KEY="key",
        ZARINPAL_MERCHANT_ID="",
    )
    assert result.returncode != 0
    assert "ZARINPAL_MERCHANT_ID" in result.stderr
