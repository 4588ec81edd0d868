"""A sandbox bank that behaves like a real one (Zarinpal's codes), for development and tests.

The customer sees a bank page at /dev/bank/<token>/ with pay, fail and cancel; the bank sends
the browser back to the merchant with ``token`` and ``status``; ``verify`` confirms a paid
payment once and answers "already verified" (101) after that.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import SandboxPayment
from core.payments.base import (
    CallbackResult,
    PaymentGateway,
    PaymentRedirect,
    Verification,
    amount_check,
)
from core.sites import main_site_url


class SandboxGateway(PaymentGateway):
    name = "sandbox"

    def start(
        self,
        *,
        amount: Decimal,
        reference: str,
        callback_url: str,
        description: str,
        mobile: str = "",
    ) -> PaymentRedirect:
        amount_check(amount)
        payment = SandboxPayment.objects.create(
            token=secrets.token_urlsafe(18),
            amount=amount,
            reference=reference,
            callback_url=callback_url,
            description=description[:300],
            mobile=mobile,
        )
        path = reverse("dev-bank", args=[payment.token])
        return PaymentRedirect(token=payment.token, url=main_site_url(path))

    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        return CallbackResult(
            token=str(params.get("token", ""))[:100], succeeded=params.get("status") == "OK"
        )

    def verify(self, *, token: str, amount: Decimal) -> Verification:
        amount_check(amount)
        with transaction.atomic():
            payment = SandboxPayment.objects.select_for_update().filter(token=token).first()
            if payment is None:
                return _refused("-9", "unknown token")
            if payment.state != SandboxPayment.State.PAID:
                return _refused("-51", f"not paid ({payment.state})")
            if payment.amount != amount:
                return _refused("-50", "amount differs from the paid amount")
            # Conditional UPDATE: only the call that moves verified_at from null confirms.
            confirmed = SandboxPayment.objects.filter(
                pk=payment.pk, state=SandboxPayment.State.PAID, verified_at__isnull=True
            ).update(verified_at=timezone.now())
            if not confirmed:
                return Verification(
                    ok=False,
                    already_verified=True,
                    reference=payment.bank_reference,
                    card_mask=payment.card_mask,
                    code="101",
                    message="already verified",
                )
        return Verification(
            ok=True,
            already_verified=False,
            reference=payment.bank_reference,
            card_mask=payment.card_mask,
            code="100",
            message="verified",
        )


def _refused(code: str, message: str) -> Verification:
    return Verification(
        ok=False, already_verified=False, reference="", card_mask="", code=code, message=message
    )


def sandbox_decide(*, token: str, action: str) -> SandboxPayment | None:
    """The customer's choice on the sandbox bank page; only a pending payment changes."""
    state = {
        "pay": SandboxPayment.State.PAID,
        "fail": SandboxPayment.State.FAILED,
        "cancel": SandboxPayment.State.CANCELLED,
    }[action]
    fields: dict = {"state": state}
    if state == SandboxPayment.State.PAID:
        fields.update(
            paid_at=timezone.now(),
            bank_reference=f"{secrets.randbelow(10**12):012d}",
            card_mask=f"603799******{secrets.randbelow(10**4):04d}",
        )
    SandboxPayment.objects.filter(token=token, state=SandboxPayment.State.PENDING).update(**fields)
    return SandboxPayment.objects.filter(token=token).first()
