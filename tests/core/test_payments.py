"""Payment gateways: the sandbox bank page and Zarinpal's published REST protocol."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from core.models import SandboxPayment
from core.payments import get_gateway
from core.payments.base import PaymentGatewayError
from core.payments.zarinpal import ZarinpalGateway

CALLBACK = "http://localhost/payments/x/callback/"


@pytest.mark.django_db
def test_sandbox_bank_page_pays_once_and_sends_the_customer_back(client):
    gateway = get_gateway("sandbox")
    redirect = gateway.start(
        amount=Decimal("1250000"), reference="r1", callback_url=CALLBACK, description="خرید"
    )
    page = client.get(redirect.url.replace("http://localhost:8000", ""), HTTP_HOST="localhost")
    assert page.status_code == 200
    assert "۱٬۲۵۰٬۰۰۰" in page.content.decode() or "۱,۲۵۰,۰۰۰" in page.content.decode()
    response = client.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == f"{CALLBACK}?token={redirect.token}&status=OK"
    # A second decision on the same payment changes nothing.
    again = client.post(f"/dev/bank/{redirect.token}/", {"action": "fail"}, HTTP_HOST="localhost")
    assert again["Location"].endswith("status=OK")
    assert SandboxPayment.objects.get(token=redirect.token).state == "paid"

    assert gateway.verify(token=redirect.token, amount=Decimal("1250000")).ok
    second = gateway.verify(token=redirect.token, amount=Decimal("1250000"))
    assert (second.ok, second.already_verified, second.code) == (False, True, "101")
    assert gateway.verify(token=redirect.token, amount=Decimal("1")).code == "-50"
    assert gateway.verify(token="nope", amount=Decimal("1")).code == "-9"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["fail", "cancel"])
def test_sandbox_failure_and_cancel_return_nok_and_do_not_verify(client, action):
    gateway = get_gateway("sandbox")
    redirect = gateway.start(
        amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description=""
    )
    response = client.post(
        f"/dev/bank/{redirect.token}/", {"action": action}, HTTP_HOST="localhost"
    )
    assert response["Location"].endswith("status=NOK")
    result = gateway.verify(token=redirect.token, amount=Decimal("1000"))
    assert (result.ok, result.code) == (False, "-51")


@pytest.mark.django_db
def test_the_sandbox_bank_is_absent_when_disabled(client):
    redirect = get_gateway("sandbox").start(
        amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description=""
    )
    with override_settings(PAYMENT_SANDBOX_ENABLED=False):
        assert client.get(f"/dev/bank/{redirect.token}/", HTTP_HOST="localhost").status_code == 404


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("10.5")])
def test_amounts_must_be_positive_whole_rials(amount):
    gateway = ZarinpalGateway(merchant_id="m", api_base="http://127.0.0.1:9", startpay_base="x")
    with pytest.raises(ValueError):
        gateway.start(amount=amount, reference="r", callback_url=CALLBACK, description="")


class _Zarinpal(BaseHTTPRequestHandler):
    """A stand-in for Zarinpal's servers, speaking its published v4 JSON protocol."""

    paid = {"A00000000000000000000000000000000001": 50000}
    verified: set[str] = set()
    requests: list[dict] = []
    fail_with: int | None = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, **body})
        if type(self).fail_with:
            self.send_response(type(self).fail_with)
            self.end_headers()
            return
        if body.get("merchant_id") != "merchant-1":
            answer = {"data": [], "errors": {"code": -9, "message": "merchant"}}
        elif self.path == "/pg/v4/payment/request.json":
            answer = {
                "data": {
                    "code": 100,
                    "message": "Success",
                    "authority": "A00000000000000000000000000000000001",
                },
                "errors": [],
            }
        else:
            authority, amount = body["authority"], body["amount"]
            if self.paid.get(authority) != amount:
                answer = {
                    "data": [],
                    "errors": {"code": -50 if authority in self.paid else -51, "message": "no"},
                }
            elif authority in self.verified:
                answer = {
                    "data": {"code": 101, "ref_id": 201, "card_pan": "502229******5995"},
                    "errors": [],
                }
            else:
                type(self).verified.add(authority)
                answer = {
                    "data": {"code": 100, "ref_id": 201, "card_pan": "502229******5995"},
                    "errors": [],
                }
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def zarinpal():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Zarinpal)
    _Zarinpal.verified, _Zarinpal.requests, _Zarinpal.fail_with = set(), [], None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield ZarinpalGateway(
        merchant_id="merchant-1", api_base=base, startpay_base="https://www.zarinpal.com", timeout=2
    )
    server.shutdown()


def test_zarinpal_request_verify_and_already_verified(zarinpal):
    redirect = zarinpal.start(
        amount=Decimal("50000"),
        reference="ord-1",
        callback_url=CALLBACK,
        description="d",
        mobile="09121234567",
    )
    assert (
        redirect.url == "https://www.zarinpal.com/pg/StartPay/A00000000000000000000000000000000001"
    )
    sent = _Zarinpal.requests[0]
    assert (sent["amount"], sent["currency"], sent["callback_url"]) == (50000, "IRR", CALLBACK)
    assert sent["metadata"] == {"order_id": "ord-1", "mobile": "09121234567"}
    claim = zarinpal.parse_callback({"Authority": redirect.token, "Status": "OK"})
    assert (claim.token, claim.succeeded) == (redirect.token, True)
    first = zarinpal.verify(token=redirect.token, amount=Decimal("50000"))
    assert (first.ok, first.reference, first.card_mask) == (True, "201", "502229******5995")
    second = zarinpal.verify(token=redirect.token, amount=Decimal("50000"))
    assert (second.ok, second.already_verified, second.code) == (False, True, "101")
    wrong = zarinpal.verify(token=redirect.token, amount=Decimal("40000"))
    assert (wrong.ok, wrong.code) == (False, "-50")
    assert "merchant-1" not in repr(zarinpal)


def test_zarinpal_refusal_and_outage(zarinpal):
    bad = ZarinpalGateway(
        merchant_id="other", api_base=zarinpal._api_base, startpay_base="x", timeout=2
    )
    with pytest.raises(PaymentGatewayError) as refused:
        bad.start(amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description="")
    assert refused.value.transient is False
    _Zarinpal.fail_with = 502
    with pytest.raises(PaymentGatewayError) as outage:
        zarinpal.verify(token="A1", amount=Decimal("1000"))
    assert outage.value.transient is True
    down = ZarinpalGateway(
        merchant_id="m", api_base="http://127.0.0.1:9", startpay_base="x", timeout=1
    )
    with pytest.raises(PaymentGatewayError) as unreachable:
        down.verify(token="A1", amount=Decimal("1000"))
    assert unreachable.value.transient is True
