"""Redis stopped: every page that does not need Redis for its own job still answers.

The test's own Redis server is started, used (hosts cached, the catalog's generation
set), then stopped; the pages are walked as a visitor, a customer, an agency owner and
an operator would.
"""

from __future__ import annotations

import uuid

import pytest

from accounts.models import OneTimeCode, User
from core.models import AuditLog, SmsMessage
from policies.catalog_cache import line_snapshot
from policies.models import AgencyLine, Line, Quote, SalesEvent
from policies.services.quotes import quote_create
from tests.factories import create_user
from tests.waiting import eventually

pytestmark = pytest.mark.django_db

MAIN, AGENCY, PANEL, OPS = "localhost", "ar685.localhost", "panel.localhost", "ops.localhost"
TRY_AGAIN = "این بخش لحظه‌ای در دسترس نیست. لطفاً چند لحظه دیگر دوباره تلاش کنید."
THIRD_PARTY = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "1398",
    "previous_insurer": "iran",
    "no_claim_years": "3",
    "days_since_expiry": "0",
    "extra_cover": "none",
}


def _poll(predicate, timeout: float = 10.0) -> bool:
    return eventually(predicate, timeout=timeout)


@pytest.fixture
def redis_stopped(own_redis, catalog, agency, client):
    """Redis was up (the agency's host cached, a quote priced), then it stopped."""
    assert client.get("/", HTTP_HOST=AGENCY).status_code == 200
    assert client.get("/insurance/third_party/", HTTP_HOST=MAIN).status_code == 200
    own_redis.stop()
    return own_redis


def test_the_public_pages_answer(client, redis_stopped):
    for host, path in [
        (MAIN, "/"),
        (AGENCY, "/"),
        (MAIN, "/insurance/"),
        (AGENCY, "/insurance/third_party/"),
        (MAIN, "/accounts/login/"),
        (MAIN, "/verify/"),
    ]:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 200, (host, path, response.status_code)


def test_a_quote_is_stored_at_once(client, redis_stopped):
    response = client.post("/insurance/third_party/", THIRD_PARTY, HTTP_HOST=AGENCY)
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert response["Location"] == f"/quotes/{quote.public_id}/"
    assert quote.agency is not None and quote.agency.code == 685
    assert quote.premium > 0
    assert SalesEvent.objects.filter(event="quote_created", quote=quote).count() == 1
    page = client.get(response["Location"], HTTP_HOST=AGENCY)
    assert page.status_code == 200
    assert str(quote.public_id) in page.content.decode()


def test_the_quote_api_answers(client, redis_stopped):
    response = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": THIRD_PARTY},
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert response.status_code == 201
    stored = Quote.objects.get()
    assert response.json()["id"] == str(stored.public_id)
    assert response.json()["premium"] == str(stored.premium)
    again = client.get(f"/api/quotes/{stored.public_id}/", HTTP_HOST=MAIN)
    assert again.status_code == 200


def test_a_quote_still_waiting_in_redis_asks_to_try_again(client, own_redis, catalog):
    waiting = quote_create(line="third_party", answers=THIRD_PARTY, agency=None, defer=True)
    own_redis.stop()
    response = client.get(f"/quotes/{waiting.public_id}/", HTTP_HOST=MAIN)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert TRY_AGAIN in response.content.decode()
    api = client.get(f"/api/quotes/{waiting.public_id}/", HTTP_HOST=MAIN)
    assert (api.status_code, api.json()["code"]) == (503, "unavailable")
    assert not Quote.objects.exists()


def test_the_catalog_is_read_from_the_database_while_redis_is_down(redis_stopped):
    assert line_snapshot("travel") is not None
    Line.objects.filter(code="travel").update(is_active=False)  # no signal: only a reload sees it
    assert _poll(lambda: line_snapshot("travel") is None)


def test_a_catalog_change_is_refused_while_redis_is_down(client, redis_stopped, agency):
    """Other processes could not be told of it, and would price with the old catalog
    once Redis is back: the change waits."""
    client.force_login(agency.memberships.get().user)
    keep = [str(pk) for pk in Line.objects.exclude(code="travel").values_list("pk", flat=True)]
    response = client.post("/settings/lines/", {"offered": keep}, HTTP_HOST=PANEL)
    assert response.status_code == 503
    assert TRY_AGAIN in response.content.decode()
    assert not AgencyLine.objects.exists()
    assert not AuditLog.objects.filter(action="agency_line.offered").exists()


def test_login_asks_to_try_again_and_changes_nothing(client, redis_stopped):
    response = client.post("/accounts/login/", {"mobile": "09351234567"}, HTTP_HOST=MAIN)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert (
        "ورود لحظه‌ای در دسترس نیست. لطفاً چند لحظه دیگر دوباره تلاش کنید."
        in response.content.decode()
    )
    assert not OneTimeCode.objects.exists()
    assert not SmsMessage.objects.exists()


def test_a_logged_in_customer_keeps_their_pages(client, redis_stopped):
    customer = create_user(first_name="علی", last_name="رضایی")
    client.force_login(customer)  # the session is written while Redis is down
    for host in (MAIN, AGENCY):
        for path in ("/account/", "/accounts/profile/", "/"):
            response = client.get(path, HTTP_HOST=host)
            assert response.status_code == 200, (host, path)
            assert response.wsgi_request.user == customer
    assert client.post("/accounts/logout/", HTTP_HOST=MAIN).status_code == 302
    assert client.get("/account/", HTTP_HOST=MAIN).status_code == 302  # to the login page


def test_the_panel_and_ops_answer(client, redis_stopped, agency):
    owner = agency.memberships.get().user
    client.force_login(owner)
    for path in ("/", "/sales/", "/offers/", "/customers/", "/settings/", "/content/"):
        assert client.get(path, HTTP_HOST=PANEL).status_code == 200, path
    client.force_login(create_user(insurer_role=User.InsurerRole.OPERATOR))
    for path in ("/", "/issuance/", "/sales-record/", "/referrals/", "/settlement/"):
        assert client.get(path, HTTP_HOST=OPS).status_code == 200, path


def test_the_verify_page_asks_to_try_again(client, redis_stopped):
    response = client.get(f"/verify/{uuid.uuid4().hex[:12].upper()}/", HTTP_HOST=MAIN)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert (
        "استعلام بیمه‌نامه لحظه‌ای در دسترس نیست. لطفاً چند لحظه دیگر دوباره تلاش کنید."
        in response.content.decode()
    )


def test_healthz_says_redis_is_down(client, redis_stopped):
    response = client.get("/healthz", HTTP_HOST=AGENCY)
    assert response.status_code == 503
    assert response.json()["redis"] == "error: ConnectionError"
    assert response.json()["database"] == "ok"
