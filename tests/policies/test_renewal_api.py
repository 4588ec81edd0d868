"""Renewal from the account through the API (decision 050): GET the prefilled answers, price
them with POST /api/quotes/, POST the quote to open the renewal order linked to the old
policy; refused outside the window, 404 for another customer's policy."""

from __future__ import annotations

import json

import pytest

from policies.models import Order
from tests.factories import create_user
from tests.policies.test_account_renewal import holder, make_policy  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
MAIN = "localhost"


def _post(client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_HOST=MAIN)


def test_the_api_prefills_prices_and_opens_the_renewal_order(client, catalog, holder):  # noqa: F811
    policy = make_policy(holder, ends_in=10)
    client.force_login(holder)
    start = client.get(f"/api/policies/{policy.number}/renewal/", HTTP_HOST=MAIN)
    assert start.status_code == 200, start.content
    body = start.json()
    assert body["answers"]["no_claim_years"] == 4  # 3 + 1: no claim on the old policy
    assert body["open_order"] is None and body["policy_number"] == policy.number
    quote = _post(client, "/api/quotes/", {"line": "third_party", "answers": body["answers"]})
    assert quote.status_code == 201, quote.content
    opened = _post(client, f"/api/policies/{policy.number}/renewal/", {"quote": quote.json()["id"]})
    assert opened.status_code == 201, opened.content
    order = Order.objects.get(public_id=opened.json()["id"])
    assert order.renews_id == policy.pk and order.customer_id == holder.pk
    again = client.get(f"/api/policies/{policy.number}/renewal/", HTTP_HOST=MAIN).json()
    assert again["open_order"] == str(order.public_id)


def test_outside_the_window_is_refused_and_another_customers_policy_is_404(
    client,
    catalog,
    holder,  # noqa: F811
):
    early = make_policy(holder, ends_in=90)
    client.force_login(holder)
    refused = client.get(f"/api/policies/{early.number}/renewal/", HTTP_HOST=MAIN)
    assert refused.status_code == 409 and refused.json()["detail"]  # the policy's state
    client.force_login(create_user())
    theirs = client.get(f"/api/policies/{early.number}/renewal/", HTTP_HOST=MAIN)
    assert theirs.status_code == 404
    assert _post(client, f"/api/policies/{early.number}/renewal/", {"quote": "x"}).status_code in (
        400,
        404,
    )
