"""Cancellation pages and API: the customer's request with the refund shown before
confirming, the account's action and section, the ops queue and decision, and that nobody
reaches another customer's policy or request (404), in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cancellations.models import CancellationRequest
from cancellations.services import cancellation_request
from core.digits import to_latin_digits
from core.jalali import format_jalali_date, tehran_today
from policies.models import Policy
from tests.factories import create_user

pytestmark = pytest.mark.django_db
MAIN = "localhost"
OPS = "ops.localhost"


@pytest.fixture
def main_policy(sell):
    return sell(agency=None)


def _day(days: int = 0) -> str:
    return format_jalali_date(tehran_today() + dt.timedelta(days=days), persian_digits=False)


def _ask(policy, customer) -> CancellationRequest:
    return cancellation_request(
        policy=policy, customer=customer, last_day=tehran_today(), reason="sold"
    )


def test_the_account_offers_cancellation_and_lists_requests(client, main_policy, customer):
    client.force_login(customer)
    page = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert f'/account/cancellations/policies/{main_policy.number}/"' in page
    assert 'class="policy-cancel' in page
    _ask(main_policy, customer)
    page = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert 'id="my-cancellations"' in page
    assert 'data-state="pending"' in page


def test_a_cancelled_policy_is_offered_no_cancellation(client, main_policy, customer):
    Policy.objects.filter(pk=main_policy.pk).update(state=Policy.State.CANCELLED)
    client.force_login(customer)
    page = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert 'class="policy-cancel' not in page


def test_the_refund_is_shown_before_confirming(client, main_policy, customer):
    client.force_login(customer)
    url = f"/account/cancellations/policies/{main_policy.number}/"
    shown = client.post(url, {"last_day": _day(), "reason": "sold"}, HTTP_HOST=MAIN)
    assert shown.status_code == 200
    text = to_latin_digits(shown.content.decode())
    assert 'id="cancel-confirm"' in text
    assert "7٬200٬000" in text and "4٬800٬000" in text  # 40 days: 40 % kept
    assert not CancellationRequest.objects.exists()
    done = client.post(url, {"last_day": _day(), "reason": "sold", "confirm": "1"}, HTTP_HOST=MAIN)
    request = CancellationRequest.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/account/cancellations/{request.public_id}/"
    again = client.post(
        url, {"last_day": _day(1), "reason": "sold", "confirm": "1"}, HTTP_HOST=MAIN
    )
    assert again.status_code == 409
    assert "در انتظار بررسی بیمه‌گر است" in again.content.decode()
    assert CancellationRequest.objects.count() == 1


def test_a_past_day_is_refused_in_persian(client, main_policy, customer):
    client.force_login(customer)
    answer = client.post(
        f"/account/cancellations/policies/{main_policy.number}/",
        {"last_day": _day(-2), "reason": "sold"},
        HTTP_HOST=MAIN,
    )
    assert answer.status_code == 400
    assert "نمی‌تواند در گذشته باشد" in answer.content.decode()


def test_nobody_reaches_another_customers_policy_or_request(
    client, main_policy, customer, stranger
):
    request = _ask(main_policy, customer)
    client.force_login(stranger)
    base = "/account/cancellations"
    assert client.get(f"{base}/policies/{main_policy.number}/", HTTP_HOST=MAIN).status_code == 404
    assert (
        client.post(
            f"{base}/policies/{main_policy.number}/",
            {"last_day": _day(), "reason": "sold", "confirm": "1"},
            HTTP_HOST=MAIN,
        ).status_code
        == 404
    )
    assert client.get(f"{base}/{request.public_id}/", HTTP_HOST=MAIN).status_code == 404
    assert client.post(f"{base}/{request.public_id}/withdraw/", HTTP_HOST=MAIN).status_code == 404
    api = "/api/cancellations"
    assert client.get(f"{api}/{request.public_id}/", HTTP_HOST=MAIN).status_code == 404
    assert client.post(f"{api}/{request.public_id}/withdraw/", HTTP_HOST=MAIN).status_code == 404
    quote = client.post(
        f"{api}/quote/",
        json.dumps({"policy_number": main_policy.number, "last_day": str(tehran_today())}),
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert quote.status_code == 404
    assert client.get(f"{api}/", HTTP_HOST=MAIN).json() == []
    request.refresh_from_db()
    assert request.state == CancellationRequest.State.PENDING


def test_the_api_quotes_requests_and_withdraws(client, main_policy, customer):
    client.force_login(customer)
    body = {"policy_number": main_policy.number, "last_day": str(tehran_today())}
    quote = client.post(
        "/api/cancellations/quote/",
        json.dumps(body),
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert quote.status_code == 200
    assert (quote.json()["refund"], quote.json()["days_used"]) == ("7200000", 40)
    created = client.post(
        "/api/cancellations/",
        json.dumps({**body, "reason": "duplicate"}),
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert created.status_code == 201
    again = client.post(
        "/api/cancellations/",
        json.dumps({**body, "reason": "duplicate"}),
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert (again.status_code, again.json()["code"]) == (409, "cancellation_pending")
    ident = created.json()["id"]
    assert client.get("/api/cancellations/", HTTP_HOST=MAIN).json()[0]["id"] == ident
    gone = client.post(f"/api/cancellations/{ident}/withdraw/", HTTP_HOST=MAIN)
    assert (gone.status_code, gone.json()["state"]) == (200, "withdrawn")


def test_operators_decide_on_ops_and_others_cannot(client, main_policy, customer, operator):
    request = _ask(main_policy, customer)
    manager = create_user(insurer_role="branch_manager")
    client.force_login(manager)
    queue = client.get("/cancellations/", HTTP_HOST=OPS)
    assert queue.status_code == 200
    assert f'id="cancellation-{request.pk}"' in queue.content.decode()
    assert client.get(f"/cancellations/{request.pk}/", HTTP_HOST=OPS).status_code == 200
    refused = client.post(
        f"/cancellations/{request.pk}/decide/", {"decision": "approve"}, HTTP_HOST=OPS
    )
    assert refused.status_code == 404
    client.force_login(customer)
    assert client.get("/cancellations/", HTTP_HOST=OPS).status_code == 404
    client.force_login(operator)
    done = client.post(
        f"/cancellations/{request.pk}/decide/", {"decision": "approve"}, HTTP_HOST=OPS
    )
    assert done.status_code == 302
    main_policy.refresh_from_db()
    assert main_policy.state == Policy.State.CANCELLED


def test_the_queue_and_the_account_cost_the_same_queries_for_more_requests(
    client, sell, customer, operator
):
    def queries(host: str, path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, HTTP_HOST=host).status_code == 200
        return len(captured)

    _ask(sell(agency=None), customer)
    client.force_login(operator)
    queue_one = queries(OPS, "/cancellations/")
    client.force_login(customer)
    account_one = queries(MAIN, "/account/")
    list_one = queries(MAIN, "/account/cancellations/")
    for _ in range(4):
        _ask(sell(agency=None), customer)
    client.force_login(operator)
    assert queries(OPS, "/cancellations/") == queue_one
    client.force_login(customer)
    assert queries(MAIN, "/account/") == account_one
    assert queries(MAIN, "/account/cancellations/") == list_one


def test_an_agency_policy_is_cancelled_on_the_agency_site(client, policy, customer):
    client.force_login(customer)
    answer = client.get(f"/account/cancellations/policies/{policy.number}/", HTTP_HOST=MAIN)
    assert answer.status_code == 302
    assert answer["Location"].startswith("http://ar685.")
    assert answer["Location"].endswith(f"/account/cancellations/policies/{policy.number}/")
    on_site = client.get(
        f"/account/cancellations/policies/{policy.number}/", HTTP_HOST="ar685.localhost"
    )
    assert on_site.status_code == 200
