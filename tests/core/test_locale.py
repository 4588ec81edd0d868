"""Persian first: the browser's language does not switch the site to English; the visitor does."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_persian_even_for_an_english_browser(client):
    response = client.get("/", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert b'lang="fa" dir="rtl"' in response.content
    assert b"/static/css/bootstrap.rtl.css" in response.content
    assert "ورود / ثبت‌نام".encode() in response.content


def test_english_when_chosen(client):
    chosen = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_HOST="localhost")
    assert chosen.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get("/", HTTP_HOST="localhost")
    assert b'lang="en" dir="ltr"' in response.content
    assert b"Log in / Sign up" in response.content


def test_unknown_language_cookie_falls_back_to_persian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get("/", HTTP_HOST="localhost")
    assert b'lang="fa"' in response.content
