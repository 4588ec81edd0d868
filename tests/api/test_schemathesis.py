"""The whole OpenAPI schema against the server, by schemathesis, as four people.

Every operation of /api/schema/ is called with data generated from the schema itself
(its examples, its boundaries, then random data), anonymously, as a customer, as an
agency owner on the agency's own site and as an insurer operator. The CRM's operations
(/api/crm/) run as the owner in the agency's own CRM, which holds a first row of everything
they name by id (the schema's examples). For every answer:

- no 5xx (``not_a_server_error``);
- its status is one the schema lists for the operation (``status_code_conformance``),
  in the content type and the shape the schema gives (``content_type_conformance``,
  ``response_schema_conformance``, ``response_headers_conformance``);
- a request the schema allows is never refused as malformed (``positive_data_acceptance``):
  it may be 2xx, or 401/403/404 (who and which id), 409 (the state of the thing), 422 (a
  business rule the schema cannot say, such as a national code's check digit) or 429 —
  never 400, which means "this does not match the schema".

Requests go straight into the WSGI application (no sockets), inside the test's transaction.
"""

from __future__ import annotations

import json
import secrets

import pytest
import schemathesis
import werkzeug
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.models import User
from policies.services.catalog import catalog_load
from tests.factories import create_user

pytestmark = pytest.mark.django_db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.positive_data_acceptance,
]

CONFIG = {
    "generation": {
        "deterministic": True,
        "max-examples": 15,
        # PostgreSQL cannot store U+0000; every text field refuses it with a 400 (its own test
        # below), which a JSON Schema string cannot say.
        "allow-x00": False,
        "codec": "utf-8",
    },
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
        },
    },
    "phases": {"stateful": {"enabled": False}},
}

IDENTITIES = ["anonymous", "customer", "agency_owner", "operator"]


@pytest.fixture(params=IDENTITIES)
def identity(request, db):
    """(host, cookies, headers) of one of the four people the API serves, logged in (one
    session for every call to an operation; after the logout operation's first call, its
    next calls are anonymous, which its 401 answers cover)."""
    catalog_load()
    if request.param == "agency_owner":
        agency = request.getfixturevalue("agency")  # agency 685, its site and its owner
        _crm_of(agency)
        return ("ar685.localhost", *_credentials(User.objects.get(mobile="09121234567")))
    users = {
        "anonymous": None,
        "customer": lambda: create_user(first_name="علی", last_name="رضایی"),
        "operator": lambda: create_user(insurer_role=User.InsurerRole.OPERATOR),
    }
    make = users[request.param]
    return ("localhost", *_credentials(make() if make else None))


def _crm_of(agency) -> None:
    """Agency 685's CRM with the first row of everything its API names by id (the schema's
    examples are these ids), so that its operations are called on real rows too."""
    from django_tenants.utils import schema_context

    from crm.models import BookPolicy, Case, Customer, CustomerAddress, CustomerEmail, CustomerPhone

    with schema_context(agency.schema_name):
        customer = Customer.objects.create(
            first_name="علی", last_name="رضایی", source="panel", mobile="09121112233"
        )
        CustomerPhone.objects.create(
            customer=customer, kind="mobile", number="09121112233", is_primary=True
        )
        CustomerEmail.objects.create(customer=customer, address="ali@example.com", is_primary=True)
        CustomerAddress.objects.create(customer=customer, address="خیابان ولیعصر", is_primary=True)
        BookPolicy.objects.create(
            customer=customer, origin="other", insurer_code="asia", line_code="fire", number="1"
        )
        Case.objects.create(customer=customer, kind="sale", title="فروش")


@pytest.fixture
def api_app():
    """Django as a WSGI application whose requests stay in the test's transaction (as the
    test client does: no connection is closed at the end of a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def published_schema() -> dict:
    """The schema /api/schema/ serves, built the same way (a test below compares them)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


# Loaded when the module is collected: schemathesis makes one test per operation from it.
schema = schemathesis.openapi.from_dict(
    published_schema(), config=schemathesis.config.SchemathesisConfig.from_dict(CONFIG)
)


def test_the_schema_tested_is_the_one_published(client):
    response = client.get("/api/schema/?format=json", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response.json() == published_schema()


def _credentials(user) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a fresh session for ``user`` (none for anonymous)."""
    if user is None:
        return {}, {}
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
    return cookies, {"X-CSRFToken": csrf}


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_keeps_the_contract_for_everyone(case, identity, api_app):
    host, cookies, headers = identity
    session = None
    if host != "localhost" and cookies:
        # schemathesis's WSGI client files cookies under "localhost" only, and sends none to
        # the agency's site: a client of the test's own keeps them for that host (else the
        # agency owner would be anonymous there).
        session = werkzeug.Client(api_app)
        for name, value in cookies.items():
            session.set_cookie(name, value, domain=host)
        cookies = {}
    response = case.call(
        app=api_app,
        base_url=f"http://{host}",
        headers={"Host": host, **headers},
        cookies=cookies,
        session=session,
    )
    case.validate_response(response, checks=CHECKS, headers=headers)
