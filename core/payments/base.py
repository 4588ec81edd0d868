"""What every payment gateway offers: start a payment, read the return, verify server to server."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PaymentRedirect:
    token: str  # the gateway's id for this attempt (Zarinpal's "authority")
    url: str  # where the customer's browser goes
    method: str = "GET"  # "GET" or "POST"
    form: dict[str, str] = field(default_factory=dict)  # fields to POST when method is POST


@dataclass(frozen=True)
class CallbackResult:
    token: str  # the token the return names ("" when absent)
    succeeded: bool  # what the return claims; never trusted without verify()


@dataclass(frozen=True)
class Verification:
    ok: bool  # money moved for this token and amount, confirmed by this call
    already_verified: bool  # the bank says it was verified before
    reference: str  # the bank's reference ("" when not ok)
    card_mask: str  # e.g. 603799******1234
    code: str  # the gateway's status code
    message: str  # reason, for logs


class PaymentGatewayError(Exception):
    """The gateway failed to answer usefully. ``transient`` errors are worth retrying."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


def amount_check(amount: Decimal) -> int:
    """A positive whole number of rials, as the gateways want it."""
    if isinstance(amount, float | bool):
        raise TypeError("Amounts must be Decimal or int, never float.")
    value = Decimal(amount)
    if not value.is_finite() or value <= 0 or value != value.to_integral_value():
        raise ValueError(f"Payment amount must be a positive whole number of rials: {amount}")
    return int(value)


class PaymentGateway(ABC):
    name: str

    @abstractmethod
    def start(
        self,
        *,
        amount: Decimal,
        reference: str,
        callback_url: str,
        description: str,
        mobile: str = "",
    ) -> PaymentRedirect: ...

    @abstractmethod
    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult: ...

    @abstractmethod
    def verify(self, *, token: str, amount: Decimal) -> Verification: ...
