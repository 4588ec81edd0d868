"""Zarinpal (زرین‌پال) REST API v4: payment/request.json, StartPay, payment/verify.json.

Amounts are sent in rials (``currency: IRR``). Codes: 100 success, 101 already verified,
-9 validation error, -50 amount differs, -51 unsuccessful payment, -54 unknown authority.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests

from core.payments.base import (
    CallbackResult,
    PaymentGateway,
    PaymentGatewayError,
    PaymentRedirect,
    Verification,
    amount_check,
)

logger = logging.getLogger(__name__)


class ZarinpalGateway(PaymentGateway):
    name = "zarinpal"

    def __init__(
        self, *, merchant_id: str, api_base: str, startpay_base: str, timeout: float = 10
    ) -> None:
        self._merchant_id = merchant_id
        self._api_base = api_base.rstrip("/")
        self._startpay_base = startpay_base.rstrip("/")
        self._timeout = timeout

    def __repr__(self) -> str:  # never show the merchant id
        return f"ZarinpalGateway({self._api_base})"

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = requests.post(
                f"{self._api_base}{path}",
                json={"merchant_id": self._merchant_id, **payload},
                headers={"Accept": "application/json"},
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise PaymentGatewayError(f"Zarinpal unreachable: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise PaymentGatewayError(f"Zarinpal HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise PaymentGatewayError(
                f"Zarinpal sent no JSON (HTTP {response.status_code})"
            ) from None
        if not isinstance(body, dict):
            raise PaymentGatewayError("Zarinpal sent an unexpected body")
        return body

    @staticmethod
    def _code(body: dict[str, Any]) -> tuple[str, str]:
        data = body.get("data") or {}
        errors = body.get("errors") or {}
        if isinstance(data, dict) and "code" in data:
            return str(data["code"]), str(data.get("message", ""))
        if isinstance(errors, dict) and "code" in errors:
            return str(errors["code"]), str(errors.get("message", ""))
        return "", "no code"

    def start(
        self,
        *,
        amount: Decimal,
        reference: str,
        callback_url: str,
        description: str,
        mobile: str = "",
    ) -> PaymentRedirect:
        payload: dict[str, Any] = {
            "amount": amount_check(amount),
            "currency": "IRR",
            "callback_url": callback_url,
            "description": description[:500],
            "metadata": {"order_id": reference, **({"mobile": mobile} if mobile else {})},
        }
        body = self._post("/pg/v4/payment/request.json", payload)
        code, message = self._code(body)
        authority = (body.get("data") or {}).get("authority", "")
        if code != "100" or not authority:
            raise PaymentGatewayError(
                f"Zarinpal refused the request: {code} {message}", transient=False
            )
        return PaymentRedirect(
            token=authority, url=f"{self._startpay_base}/pg/StartPay/{authority}"
        )

    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        return CallbackResult(
            token=str(params.get("Authority", ""))[:100], succeeded=params.get("Status") == "OK"
        )

    def verify(self, *, token: str, amount: Decimal) -> Verification:
        body = self._post(
            "/pg/v4/payment/verify.json", {"amount": amount_check(amount), "authority": token}
        )
        code, message = self._code(body)
        if not code:
            # No answer we can read (e.g. a throttling page): the payment may have moved.
            raise PaymentGatewayError("Zarinpal sent no status code")
        data = body.get("data") or {}
        reference = str(data.get("ref_id", "")) if isinstance(data, dict) else ""
        card = str(data.get("card_pan", "")) if isinstance(data, dict) else ""
        if code == "100":
            return Verification(True, False, reference, card, code, message or "verified")
        if code == "101":
            return Verification(False, True, reference, card, code, message or "already verified")
        return Verification(False, False, "", "", code, message or "not verified")
