"""Fixtures of the purchase pages and the orders API: a bank that is down or posts, an operator."""

from __future__ import annotations

import pytest

from accounts.models import User
from core.payments.base import PaymentGatewayError, PaymentRedirect
from core.payments.sandbox import SandboxGateway
from tests.factories import create_user

__all__ = ["bank_down", "bank_posts", "insurer_operator", "stranger"]


@pytest.fixture
def bank_down(monkeypatch):
    """The sandbox bank refuses to start any payment."""

    def refuse(self, **kwargs):
        raise PaymentGatewayError("connection refused")

    monkeypatch.setattr(SandboxGateway, "start", refuse)


@pytest.fixture
def bank_posts(monkeypatch):
    """The sandbox bank wants the browser to POST its token (as some Shaparak banks do)."""
    start = SandboxGateway.start

    def start_with_post(self, **kwargs):
        redirect = start(self, **kwargs)
        return PaymentRedirect(
            token=redirect.token,
            url=redirect.url,
            method="POST",
            form={"RefId": redirect.token, "MobileNo": "09121112233"},
        )

    monkeypatch.setattr(SandboxGateway, "start", start_with_post)


@pytest.fixture
def insurer_operator(db):
    return create_user(insurer_role=User.InsurerRole.OPERATOR)


@pytest.fixture
def stranger(db):
    """Another customer, with an account of their own."""
    return create_user(first_name="سارا", last_name="کریمی")
