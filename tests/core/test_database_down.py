"""PostgreSQL out of connections: a Persian 503 "try again" page (JSON under /api/), never a
500, and /healthz names the database.

The limit is real and reached: the web connection logs in as a role of its own whose
CONNECTION LIMIT is 1, and the test holds that one connection. The server refuses the
next one with "too many connections" (SQLSTATE 53300), as it does when max_connections is
reached; the shared server's other connections are not touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import create_agency

pytestmark = pytest.mark.django_db(transaction=True)

TRY_AGAIN = "این بخش لحظه‌ای در دسترس نیست. لطفاً چند لحظه دیگر دوباره تلاش کنید."


@contextmanager
def connections_exhausted() -> Iterator[None]:
    """The web process's next database connection is refused for want of a free slot."""
    role = f"{settings.DATABASES['default']['TEST']['NAME']}_full"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    params = connection.settings_dict
    address = {
        "dbname": params["NAME"],
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
    }
    holder = psycopg2.connect(user=role, **address)
    with pytest.raises(psycopg2.OperationalError, match="too many connections"):
        psycopg2.connect(user=role, **address)
    saved_user = params["USER"]
    connection.close()
    params["USER"] = role
    try:
        yield
    finally:
        connection.close()
        params["USER"] = saved_user
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def web():
    # As in production: an error the platform does not handle is a 500 page, not an
    # exception in the test.
    return Client(raise_request_exception=False)


def test_a_page_answers_503_in_persian(web):
    with connections_exhausted():
        response = web.get("/", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert TRY_AGAIN in page
    assert 'lang="fa" dir="rtl"' in page
    assert 'id="unavailable"' in page


def test_the_page_follows_the_chosen_language(web):
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with connections_exhausted():
        response = web.get("/", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert (
        "This service is briefly unavailable. Please try again in a moment."
        in response.content.decode()
    )


def test_an_api_call_answers_503_json(web):
    with connections_exhausted():
        response = web.get(f"/api/quotes/{uuid.uuid4()}/", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"detail": TRY_AGAIN, "code": "unavailable"}


def test_host_routing_that_needs_the_database_answers_503(web, drop_schemas_after):
    """The agency's host is not cached yet: the failure comes from the routing middleware,
    before any view (the URLconfs' handler500)."""
    create_agency(code=685, name="نمایندگی خلیلی", owner_mobile="09121234567")
    with connections_exhausted():
        response = web.get("/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 503
    assert TRY_AGAIN in response.content.decode()


def test_healthz_names_the_database(web):
    with connections_exhausted():
        response = web.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error: OperationalError",
        "redis": "ok",
        "broker": "ok",
    }


def test_the_platform_answers_again_once_a_connection_is_free(web):
    with connections_exhausted():
        assert web.get("/", HTTP_HOST="localhost").status_code == 503
    assert web.get("/", HTTP_HOST="localhost").status_code == 200
