"""Internet payment gateways (درگاه پرداخت): a sandbox bank for development and Zarinpal."""

from __future__ import annotations

from django.conf import settings

from core.payments.base import PaymentGateway


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The gateway called ``name`` (default: settings.PAYMENT_GATEWAY)."""
    name = name or settings.PAYMENT_GATEWAY
    if name == "sandbox":
        from core.payments.sandbox import SandboxGateway

        return SandboxGateway()
    if name == "zarinpal":
        from core.payments.zarinpal import ZarinpalGateway

        return ZarinpalGateway(
            merchant_id=settings.ZARINPAL_MERCHANT_ID,
            api_base=settings.ZARINPAL_API_BASE,
            startpay_base=settings.ZARINPAL_STARTPAY_BASE,
            timeout=settings.PAYMENT_TIMEOUT,
        )
    raise ValueError(f"Unknown payment gateway: {name!r}")
