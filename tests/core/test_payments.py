"""Payment gateways: the sandbox bank page and Zarinpal's published REST protocol."""

from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import Client, override_settings

from core.models import SandboxPayment
from core.payments import get_gateway
from core.payments.base import PaymentGatewayError
from core.payments.sandbox import SandboxGateway
from core.payments.zarinpal import ZarinpalGateway
from tests.core.test_settings import _boot

CALLBACK = "http://localhost/payments/x/callback/"
HOST = {"HTTP_HOST": "localhost"}


def _row(token: str) -> tuple:
    payment = SandboxPayment.objects.get(token=token)
    return (
        payment.state,
        payment.bank_reference,
        payment.card_mask,
        payment.paid_at,
        payment.verified_at,
    )


def _start(amount: str = "1000", callback_url: str = CALLBACK, description: str = ""):
    return get_gateway("sandbox").start(
        amount=Decimal(amount), reference="r", callback_url=callback_url, description=description
    )


# --- the sandbox bank ------------------------------------------------------------------


@pytest.mark.django_db
def test_sandbox_bank_page_pays_once_and_sends_the_customer_back(client):
    gateway = get_gateway()
    assert isinstance(gateway, SandboxGateway)
    redirect = gateway.start(
        amount=Decimal("1250000"),
        reference="ref-7",
        callback_url=CALLBACK,
        description="خرید آزمایشی",
        mobile="09121234567",
    )
    assert (redirect.method, redirect.form) == ("GET", {})
    assert redirect.url == f"http://localhost:8000/dev/bank/{redirect.token}/"
    stored = SandboxPayment.objects.get(token=redirect.token)
    assert (stored.amount, stored.reference, stored.mobile, stored.state) == (
        Decimal("1250000"),
        "ref-7",
        "09121234567",
        "pending",
    )

    page = client.get(f"/dev/bank/{redirect.token}/", **HOST)
    html = page.content.decode()
    assert page.status_code == 200
    assert "۱٬۲۵۰٬۰۰۰ ریال" in html
    assert "خرید آزمایشی" in html
    assert "ref-7" in html
    for label in ("پرداخت</button>", "ناموفق</button>", "انصراف</button>"):
        assert label in html
    assert 'dir="rtl"' in html

    response = client.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, **HOST)
    assert response.status_code == 302
    assert response["Location"] == f"{CALLBACK}?token={redirect.token}&status=OK"
    state, bank_reference, card_mask, paid_at, verified_at = _row(redirect.token)
    assert state == "paid" and paid_at is not None and verified_at is None
    assert len(bank_reference) == 12 and bank_reference.isdigit()
    assert card_mask.startswith("603799******") and len(card_mask) == 16

    # A second decision on the same payment changes nothing.
    before = _row(redirect.token)
    again = client.post(f"/dev/bank/{redirect.token}/", {"action": "fail"}, **HOST)
    assert again["Location"] == f"{CALLBACK}?token={redirect.token}&status=OK"
    assert _row(redirect.token) == before
    decided = client.get(f"/dev/bank/{redirect.token}/", **HOST).content.decode()
    assert "bank-form" not in decided

    first = gateway.verify(token=redirect.token, amount=Decimal("1250000"))
    assert first.ok and not first.already_verified
    assert (first.code, first.reference, first.card_mask) == ("100", bank_reference, card_mask)
    verified_at = SandboxPayment.objects.get(token=redirect.token).verified_at
    assert verified_at is not None

    second = gateway.verify(token=redirect.token, amount=Decimal("1250000"))
    assert (second.ok, second.already_verified, second.code) == (False, True, "101")
    assert (second.reference, second.card_mask) == (bank_reference, card_mask)
    wrong = gateway.verify(token=redirect.token, amount=Decimal("1250001"))
    assert (wrong.ok, wrong.already_verified, wrong.code, wrong.reference) == (
        False,
        False,
        "-50",
        "",
    )
    unknown = gateway.verify(token="nope", amount=Decimal("1250000"))
    assert (unknown.ok, unknown.already_verified, unknown.code) == (False, False, "-9")
    assert SandboxPayment.objects.get(token=redirect.token).verified_at == verified_at


@pytest.mark.django_db
def test_a_wrong_amount_does_not_use_up_the_verification():
    redirect = _start("5000")
    SandboxPayment.objects.filter(token=redirect.token).update(state="paid")
    gateway = get_gateway("sandbox")
    assert gateway.verify(token=redirect.token, amount=Decimal("500")).code == "-50"
    assert SandboxPayment.objects.get(token=redirect.token).verified_at is None
    assert gateway.verify(token=redirect.token, amount=Decimal("5000")).ok is True


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), [("fail", "failed"), ("cancel", "cancelled")])
def test_sandbox_failure_and_cancel_return_nok_and_do_not_verify(client, action, state):
    redirect = _start()
    response = client.post(f"/dev/bank/{redirect.token}/", {"action": action}, **HOST)
    assert response.status_code == 302
    assert response["Location"] == f"{CALLBACK}?token={redirect.token}&status=NOK"
    assert _row(redirect.token) == (state, "", "", None, None)
    # Paying afterwards is refused: the bank already decided.
    later = client.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, **HOST)
    assert later["Location"].endswith("&status=NOK")
    assert _row(redirect.token) == (state, "", "", None, None)
    result = get_gateway("sandbox").verify(token=redirect.token, amount=Decimal("1000"))
    assert (result.ok, result.already_verified, result.code) == (False, False, "-51")
    assert SandboxPayment.objects.get(token=redirect.token).verified_at is None


@pytest.mark.django_db
def test_verify_does_not_trust_a_forged_callback():
    """Anyone can type ?status=OK; the bank still says the payment is not paid."""
    redirect = _start()
    gateway = get_gateway("sandbox")
    claim = gateway.parse_callback({"token": redirect.token, "status": "OK"})
    assert (claim.token, claim.succeeded) == (redirect.token, True)
    result = gateway.verify(token=claim.token, amount=Decimal("1000"))
    assert (result.ok, result.code) == (False, "-51")
    assert _row(redirect.token) == ("pending", "", "", None, None)


def test_sandbox_callback_parsing():
    gateway = SandboxGateway()
    assert gateway.parse_callback({}) == gateway.parse_callback({"status": "NOK"})
    assert (gateway.parse_callback({}).token, gateway.parse_callback({}).succeeded) == ("", False)
    claim = gateway.parse_callback({"token": "t", "status": "NOK"})
    assert (claim.token, claim.succeeded) == ("t", False)


@pytest.mark.django_db
def test_the_bank_page_needs_the_csrf_token():
    redirect = _start()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, **HOST)
    assert response.status_code == 403
    assert _row(redirect.token) == ("pending", "", "", None, None)


@pytest.mark.django_db
def test_unknown_actions_and_tokens_change_nothing(client):
    redirect = _start()
    response = client.post(f"/dev/bank/{redirect.token}/", {"action": "refund"}, **HOST)
    assert response.status_code == 400
    assert _row(redirect.token) == ("pending", "", "", None, None)
    assert client.get("/dev/bank/unknown-token/", **HOST).status_code == 404
    assert client.post("/dev/bank/unknown-token/", {"action": "pay"}, **HOST).status_code == 404


@pytest.mark.django_db
def test_a_callback_url_with_a_query_keeps_it(client):
    redirect = _start(callback_url="http://localhost/cb/?attempt=3")
    response = client.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, **HOST)
    assert (
        response["Location"] == f"http://localhost/cb/?attempt=3&token={redirect.token}&status=OK"
    )


@pytest.mark.django_db
def test_the_sandbox_bank_is_absent_when_disabled(client):
    redirect = _start()
    with override_settings(PAYMENT_SANDBOX_ENABLED=False):
        assert client.get(f"/dev/bank/{redirect.token}/", **HOST).status_code == 404
        posted = client.post(f"/dev/bank/{redirect.token}/", {"action": "pay"}, **HOST)
        assert posted.status_code == 404
    assert _row(redirect.token) == ("pending", "", "", None, None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_verifications_confirm_exactly_once():
    redirect = _start("7000")
    SandboxPayment.objects.filter(token=redirect.token).update(
        state="paid", bank_reference="123456789012"
    )
    barrier = threading.Barrier(4)
    results = []

    def verify() -> None:
        try:
            barrier.wait()
            results.append(SandboxGateway().verify(token=redirect.token, amount=Decimal("7000")))
        finally:
            connection.close()

    threads = [threading.Thread(target=verify) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.code for r in results) == ["100", "101", "101", "101"]
    assert [r.ok for r in results].count(True) == 1


# --- amounts and configuration ----------------------------------------------------------


BAD_AMOUNTS = [Decimal("0"), Decimal("-5"), Decimal("10.5"), Decimal("NaN"), Decimal("Infinity")]


@pytest.mark.django_db
@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=str)
def test_amounts_must_be_positive_whole_rials(amount):
    gateway = SandboxGateway()
    with pytest.raises(ValueError):
        gateway.start(amount=amount, reference="r", callback_url=CALLBACK, description="")
    with pytest.raises(ValueError):
        gateway.verify(token="t", amount=amount)
    assert SandboxPayment.objects.count() == 0


@pytest.mark.django_db
def test_floats_are_refused():
    with pytest.raises(TypeError):
        SandboxGateway().start(
            amount=1000.0,  # type: ignore[arg-type]
            reference="r",
            callback_url=CALLBACK,
            description="",
        )
    assert SandboxPayment.objects.count() == 0


@override_settings(
    PAYMENT_GATEWAY="zarinpal",
    ZARINPAL_MERCHANT_ID="m-42",
    ZARINPAL_API_BASE="http://127.0.0.1:1/",
    ZARINPAL_STARTPAY_BASE="https://sandbox.zarinpal.com",
    PAYMENT_TIMEOUT=3,
)
def test_get_gateway_is_configured_from_settings():
    gateway = get_gateway()
    assert isinstance(gateway, ZarinpalGateway)
    assert (gateway.name, gateway._api_base, gateway._startpay_base, gateway._timeout) == (
        "zarinpal",
        "http://127.0.0.1:1",
        "https://sandbox.zarinpal.com",
        3,
    )
    assert "m-42" not in repr(gateway)
    assert isinstance(get_gateway("sandbox"), SandboxGateway)
    with pytest.raises(ValueError):
        get_gateway("paypal")


def test_production_refuses_zarinpal_s_sandbox():
    result = _boot(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        SMS_BACKEND="kavenegar",
        KAVENEGAR_API_KEY="key",
        ZARINPAL_MERCHANT_ID="merchant",
        ZARINPAL_SANDBOX="true",
    )
    assert result.returncode != 0
    assert "ZARINPAL_SANDBOX" in result.stderr


# --- Zarinpal against a stand-in of its servers ------------------------------------------

AUTHORITY = "A00000000000000000000000000000000001"


class _Zarinpal(BaseHTTPRequestHandler):
    """A stand-in for Zarinpal's servers, speaking its published v4 JSON protocol."""

    paid = {AUTHORITY: 50000}
    verified: set[str] = set()
    requests: list[dict] = []
    fail_with: int | None = None
    hold: threading.Event | None = None  # set: answer only once the event is set
    raw: bytes | None = None

    def log_message(self, *args):
        pass

    def _answer(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        cls.requests.append({"path": self.path, **body})
        if cls.hold is not None:
            cls.hold.wait(timeout=60)
        if cls.fail_with:
            return self._answer(cls.fail_with, b"<html>Bad gateway</html>", "text/html")
        if cls.raw is not None:
            return self._answer(200, cls.raw, "text/html")
        status = 200
        if body.get("merchant_id") != "merchant-1":
            status = 401
            answer: dict = {
                "data": [],
                "errors": {
                    "code": -11,
                    "message": "The merchant is not active.",
                    "validations": [],
                },
            }
        elif self.path == "/pg/v4/payment/request.json":
            answer = {
                "data": {"code": 100, "message": "Success", "authority": AUTHORITY, "fee": 0},
                "errors": [],
            }
        elif self.path == "/pg/v4/payment/verify.json":
            authority, amount = body["authority"], body["amount"]
            if authority not in self.paid:
                answer = {"data": [], "errors": {"code": -54, "message": "Invalid authority."}}
            elif self.paid[authority] != amount:
                answer = {"data": [], "errors": {"code": -50, "message": "Amount mismatch."}}
            else:
                code = 101 if authority in cls.verified else 100
                cls.verified.add(authority)
                answer = {
                    "data": {
                        "code": code,
                        "message": "Verified" if code == 100 else "Already verified",
                        "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A87822CA179BC9528767EA7B5489B69",
                        "card_pan": "502229******5995",
                        "ref_id": 201,
                        "fee_type": "Merchant",
                        "fee": 0,
                    },
                    "errors": [],
                }
        else:
            status, answer = 404, {"data": [], "errors": {"code": -1, "message": "not found"}}
        self._answer(status, json.dumps(answer).encode(), "application/json")


@pytest.fixture
def zarinpal():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Zarinpal)
    server.daemon_threads = True
    _Zarinpal.verified, _Zarinpal.requests = set(), []
    _Zarinpal.fail_with, _Zarinpal.hold, _Zarinpal.raw = None, None, None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield ZarinpalGateway(
        merchant_id="merchant-1", api_base=base, startpay_base="https://www.zarinpal.com", timeout=2
    )
    server.shutdown()
    server.server_close()


def _zarinpal_as(gateway: ZarinpalGateway, merchant_id: str, timeout: float = 2):
    return ZarinpalGateway(
        merchant_id=merchant_id, api_base=gateway._api_base, startpay_base="x", timeout=timeout
    )


def test_zarinpal_request_verify_and_already_verified(zarinpal):
    redirect = zarinpal.start(
        amount=Decimal("50000"),
        reference="ref-1",
        callback_url=CALLBACK,
        description="d",
        mobile="09121234567",
    )
    assert (redirect.token, redirect.method, redirect.form) == (AUTHORITY, "GET", {})
    assert redirect.url == f"https://www.zarinpal.com/pg/StartPay/{AUTHORITY}"
    assert _Zarinpal.requests[0] == {
        "path": "/pg/v4/payment/request.json",
        "merchant_id": "merchant-1",
        "amount": 50000,
        "currency": "IRR",
        "callback_url": CALLBACK,
        "description": "d",
        "metadata": {"order_id": "ref-1", "mobile": "09121234567"},
    }

    claim = zarinpal.parse_callback({"Authority": AUTHORITY, "Status": "OK"})
    assert (claim.token, claim.succeeded) == (AUTHORITY, True)
    nok = zarinpal.parse_callback({"Authority": AUTHORITY, "Status": "NOK"})
    assert (nok.token, nok.succeeded) == (AUTHORITY, False)
    assert (zarinpal.parse_callback({}).token, zarinpal.parse_callback({}).succeeded) == ("", False)

    first = zarinpal.verify(token=AUTHORITY, amount=Decimal("50000"))
    assert (first.ok, first.already_verified, first.code) == (True, False, "100")
    assert (first.reference, first.card_mask) == ("201", "502229******5995")
    assert _Zarinpal.requests[1] == {
        "path": "/pg/v4/payment/verify.json",
        "merchant_id": "merchant-1",
        "amount": 50000,
        "authority": AUTHORITY,
    }
    second = zarinpal.verify(token=AUTHORITY, amount=Decimal("50000"))
    assert (second.ok, second.already_verified, second.code) == (False, True, "101")
    assert (second.reference, second.card_mask) == ("201", "502229******5995")


def test_zarinpal_error_codes_are_refused_verifications(zarinpal):
    wrong = zarinpal.verify(token=AUTHORITY, amount=Decimal("40000"))
    assert (wrong.ok, wrong.already_verified, wrong.code, wrong.reference, wrong.card_mask) == (
        False,
        False,
        "-50",
        "",
        "",
    )
    assert wrong.message == "Amount mismatch."
    unknown = zarinpal.verify(token="A0000000000000000000000000000000000X", amount=Decimal("1"))
    assert (unknown.ok, unknown.already_verified, unknown.code) == (False, False, "-54")
    # A refused verification does not use up the real one.
    assert zarinpal.verify(token=AUTHORITY, amount=Decimal("50000")).code == "100"


def test_zarinpal_refusing_to_start_is_permanent_and_hides_the_merchant(zarinpal, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "secret-merchant-0000"
    with pytest.raises(PaymentGatewayError) as refused:
        _zarinpal_as(zarinpal, secret).start(
            amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description=""
        )
    assert refused.value.transient is False
    assert "-11" in str(refused.value)
    assert secret not in str(refused.value)
    assert secret not in caplog.text
    verification = _zarinpal_as(zarinpal, secret).verify(token=AUTHORITY, amount=Decimal("50000"))
    assert (verification.ok, verification.code) == (False, "-11")
    assert AUTHORITY not in _Zarinpal.verified


@pytest.mark.parametrize("status", [500, 502, 503])
def test_zarinpal_server_errors_are_transient(zarinpal, status):
    _Zarinpal.fail_with = status
    with pytest.raises(PaymentGatewayError) as on_start:
        zarinpal.start(amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description="")
    assert on_start.value.transient is True
    with pytest.raises(PaymentGatewayError) as on_verify:
        zarinpal.verify(token=AUTHORITY, amount=Decimal("50000"))
    assert on_verify.value.transient is True
    assert AUTHORITY not in _Zarinpal.verified


def test_zarinpal_timeouts_and_outages_are_transient(zarinpal):
    # The server holds its answer back until told; the gateway gives up on its own timeout.
    _Zarinpal.hold = threading.Event()
    slow = _zarinpal_as(zarinpal, "merchant-1", timeout=0.3)
    try:
        with pytest.raises(PaymentGatewayError) as timed_out:
            slow.verify(token=AUTHORITY, amount=Decimal("50000"))
        assert not _Zarinpal.hold.is_set()  # gave up while the answer was still held back
    finally:
        _Zarinpal.hold.set()
        _Zarinpal.hold = None
    assert str(timed_out.value) == "Zarinpal unreachable: ReadTimeout"
    assert timed_out.value.transient is True
    assert [r["path"] for r in _Zarinpal.requests] == ["/pg/v4/payment/verify.json"]

    _Zarinpal.raw = b"<html>maintenance</html>"
    with pytest.raises(PaymentGatewayError) as garbled:
        zarinpal.verify(token=AUTHORITY, amount=Decimal("50000"))
    assert garbled.value.transient is True
    _Zarinpal.raw = b'{"message": "Too many requests"}'
    with pytest.raises(PaymentGatewayError) as codeless:
        zarinpal.verify(token=AUTHORITY, amount=Decimal("50000"))
    assert codeless.value.transient is True
    _Zarinpal.raw = None

    down = ZarinpalGateway(
        merchant_id="m", api_base="http://127.0.0.1:9", startpay_base="x", timeout=1
    )
    with pytest.raises(PaymentGatewayError) as unreachable:
        down.start(amount=Decimal("1000"), reference="r", callback_url=CALLBACK, description="")
    assert unreachable.value.transient is True


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=str)
def test_zarinpal_refuses_bad_amounts_before_calling(zarinpal, amount):
    with pytest.raises(ValueError):
        zarinpal.start(amount=amount, reference="r", callback_url=CALLBACK, description="")
    with pytest.raises(ValueError):
        zarinpal.verify(token=AUTHORITY, amount=amount)
    assert _Zarinpal.requests == []
