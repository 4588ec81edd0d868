"""POST /api/quotes/ is a plain Django view (decision 057): it answers exactly as the DRF
view did — the same JSON, statuses, headers and error format — and a quote it answered is
found by any other process at once, though quotes go to Redis in batches (decision 010)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policies.api import quotes as quotes_api
from policies.models import Quote, SalesEvent
from policies.services.quotes import quote_flush
from tests.core.test_worker import worker_env
from tests.policies.test_purchase_pages import QUOTE

ROOT = Path(__file__).resolve().parents[2]
MAIN = "localhost"
GOOD = {"line": "third_party", "answers": QUOTE}

# (name, body as bytes, content type, extra headers, query string)
REQUESTS = [
    ("good", json.dumps(GOOD).encode(), "application/json", {}, ""),
    ("good, English", json.dumps(GOOD).encode(), "application/json", {}, "?lang=en"),
    (
        "good, numbers and nulls",
        json.dumps(
            {"line": "travel", "answers": {"zone": "schengen", "duration": 31, "age": 40.0}}
        ).encode(),
        "application/json",
        {"HTTP_ACCEPT": "application/json"},
        "",
    ),
    (
        "a rule refuses the answers",
        json.dumps({"line": "third_party", "answers": {"vehicle_group": "tank"}}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "a rule refuses the answers, English",
        json.dumps({"line": "third_party", "answers": {"production_year": "۱۲۰۰"}}).encode(),
        "application/json",
        {"HTTP_ACCEPT_LANGUAGE": "en"},
        "",
    ),
    (
        "a line not sold",
        json.dumps({"line": "no_such_line", "answers": {}}).encode(),
        "application/json",
        {},
        "",
    ),
    ("no answers", json.dumps({"line": "third_party"}).encode(), "application/json", {}, ""),
    ("empty body", b"", "application/json", {}, ""),
    ("not JSON", b"{line: third_party", "application/json", {}, ""),
    ("NaN", b'{"line": "third_party", "answers": {"age": NaN}}', "application/json", {}, ""),
    ("a list", b"[1, 2]", "application/json", {}, ""),
    (
        "answers as a list",
        json.dumps({"line": "third_party", "answers": ["pride"]}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "a nested answer",
        json.dumps({"line": "third_party", "answers": {"usage": {"a": 1}}}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "an answer too long",
        json.dumps({"line": "third_party", "answers": {"usage": "x" * 201}}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "too many answers",
        json.dumps({"line": "third_party", "answers": {f"q{i}": 1 for i in range(51)}}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "a line code with spaces around it (DRF trims it)",
        json.dumps({"line": " third_party ", "answers": QUOTE}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "a line code that is no slug",
        json.dumps({"line": "third party", "answers": QUOTE}).encode(),
        "application/json",
        {},
        "",
    ),
    (
        "a line code as a number",
        json.dumps({"line": 12, "answers": QUOTE}).encode(),
        "application/json",
        {},
        "",
    ),
    ("another content type", b"line=third_party", "text/plain", {}, ""),
    (
        "an Accept the API cannot give",
        json.dumps(GOOD).encode(),
        "application/json",
        {"HTTP_ACCEPT": "text/html"},
        "",
    ),
]


def _post(client, body: bytes, content_type: str, headers: dict, query: str):
    return client.generic(
        "POST", f"/api/quotes/{query}", body, content_type=content_type, HTTP_HOST=MAIN, **headers
    )


def _comparable(response) -> tuple:
    body = response.content
    if response.status_code == 201:
        data = json.loads(body)
        assert set(data) == {
            "id",
            "line",
            "premium",
            "breakdown",
            "term_days",
            "tariff_version",
            "answers",
            "expires_at",
        }
        data["id"], data["expires_at"] = "-", data["expires_at"][:16]
        # Compact, UTF-8 JSON as DRF's renderer writes it.
        assert body == json.dumps(json.loads(body), **_compact()).encode()
        body = json.dumps(data, **_compact()).encode()
    return (
        response.status_code,
        response["Content-Type"],
        response.get("Allow"),
        response.get("Retry-After"),
        body,
    )


def _compact() -> dict:
    return {"ensure_ascii": False, "separators": (",", ":")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "headers", "query"),
    [case[1:] for case in REQUESTS],
    ids=[case[0] for case in REQUESTS],
)
def test_the_plain_view_answers_as_the_drf_view_did(
    client, catalog, monkeypatch, body, content_type, headers, query
):
    plain = _post(client, body, content_type, headers, query)
    with monkeypatch.context() as patched:
        # Every request through QuoteCreateApi, as before the plain view.
        patched.setattr(quotes_api, "_plain_input", lambda request: None)
        drf = _post(client, body, content_type, headers, query)
    assert _comparable(plain) == _comparable(drf)
    if plain.status_code >= 400:
        error = plain.json()
        assert set(error) <= {"detail", "code", "fields"} and error["detail"] and error["code"]


@pytest.mark.django_db
def test_a_good_request_never_reaches_drf_and_a_bad_one_is_answered_by_it(
    client, catalog, monkeypatch
):
    calls = []
    drf_view = quotes_api._drf_quote_create

    def counted(request, *args, **kwargs):
        calls.append(request.path)
        return drf_view(request, *args, **kwargs)

    monkeypatch.setattr(quotes_api, "_drf_quote_create", counted)
    good = client.post("/api/quotes/", GOOD, content_type="application/json", HTTP_HOST=MAIN)
    refused = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": {"vehicle_group": "tank"}},
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert (good.status_code, refused.status_code, calls) == (201, 422, [])
    bad = client.post(
        "/api/quotes/", {"line": "third_party"}, content_type="application/json", HTTP_HOST=MAIN
    )
    assert (bad.status_code, calls) == (400, ["/api/quotes/"])
    assert Quote.objects.count() == 0  # answered from memory, stored later


def test_the_schema_documents_the_plain_view_as_quote_create_api():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/quotes/"]["post"]
    assert operation["operationId"] == "quotes_create"
    assert set(operation["responses"]) == {"201", "400", "415", "422"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/QuoteCreateInput"
    }
    assert operation["description"].startswith("Price a line's answers.")


@pytest.mark.django_db(transaction=True)
def test_a_quote_answered_by_one_process_is_found_by_another_at_once(client, catalog):
    """Process A answers quotes from 8 threads (so its writer batches them); this process,
    B, reads each one by id the moment A has printed its answer: every one is found, with
    A's premium. A wrote them in fewer Redis round trips than quotes; each is stored once."""
    answerer = subprocess.Popen(
        [sys.executable, "-m", "tests.policies.quote_answerer"],
        cwd=ROOT,
        env=worker_env("unused"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert answerer.stdout is not None
    found, figures = [], {}
    for line in answerer.stdout:
        if line.startswith("figures "):
            figures = json.loads(line.split(" ", 1)[1])
            continue
        status, public_id, premium = line.split()
        assert status == "201", line
        read = client.get(f"/api/quotes/{public_id}/", HTTP_HOST=MAIN)
        assert read.status_code == 200, (public_id, read.content)
        assert read.json()["premium"] == premium
        found.append(public_id)
    assert answerer.wait(timeout=60) == 0, answerer.stderr.read() if answerer.stderr else ""
    assert len(found) == len(set(found)) == 80
    assert figures["written"] == 80
    assert figures["round_trips"] < 80  # quotes of one moment shared a round trip
    # Every quote was stored when it was read; the flush finds nothing left to store.
    quote_flush()
    assert Quote.objects.count() == 80
    assert SalesEvent.objects.filter(event="quote_created").count() == 80


def test_a_signed_in_customers_quote_is_theirs_and_a_visitors_is_nobodys(client, catalog, settings):
    from tests.factories import create_user

    visitor = client.post("/api/quotes/", GOOD, content_type="application/json", HTTP_HOST=MAIN)
    customer = create_user()
    client.force_login(customer)
    signed_in = client.post("/api/quotes/", GOOD, content_type="application/json", HTTP_HOST=MAIN)
    assert (visitor.status_code, signed_in.status_code) == (201, 201)
    quote_flush()
    assert Quote.objects.get(public_id=visitor.json()["id"]).user is None
    assert Quote.objects.get(public_id=signed_in.json()["id"]).user == customer
    # A session cookie that is no longer valid is a visitor, as before.
    client.logout()
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    stale = client.post("/api/quotes/", GOOD, content_type="application/json", HTTP_HOST=MAIN)
    assert stale.status_code == 201
    quote_flush()
    assert Quote.objects.get(public_id=stale.json()["id"]).user is None


@pytest.mark.parametrize("urlconf", ["config.urls_main", "config.urls_agency"])
def test_the_quote_api_is_the_first_pattern_a_site_tries(urlconf):
    # Django tries a site's patterns in order: the busiest request is matched first.
    from django.urls import get_resolver

    resolver = get_resolver(urlconf)
    assert str(resolver.url_patterns[0].pattern) == "api/quotes/"
    match = resolver.resolve("/api/quotes/")
    assert match.func is quotes_api.quote_create_view and match.url_name == "api-quote-create"


def test_replies_from_redis_are_parsed_by_hiredis():
    # The compiled parser is a dependency: without it every quote's round trip costs more.
    from core.redis import redis_client

    connection = redis_client().connection_pool.make_connection()
    try:
        assert type(connection._parser).__name__.startswith("_Hiredis")
    finally:
        connection.disconnect()
