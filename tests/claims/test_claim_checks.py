"""A claim counts for the rules that depend on one (decisions 049, 050): once filed (and
until rejected) it refuses the cancellation of a motor policy, whose short-rate table says
so, and it keeps a renewal's no-claim years; a rejected claim counts for nothing."""

from __future__ import annotations

import pytest

from cancellations.services import cancellation_request
from claims.services import claim_reject
from core.errors import Conflict
from core.jalali import tehran_today
from policies.claim_checks import policy_has_claim
from tests.claims.conftest import file_claim

pytestmark = pytest.mark.django_db


def test_a_filed_claim_refuses_the_cancellation_and_a_rejected_one_does_not(
    policy, customer, operator
):
    assert not policy_has_claim(policy)
    claim = file_claim(policy)
    assert policy_has_claim(policy)
    with pytest.raises(Conflict) as refused:
        cancellation_request(
            policy=policy, customer=customer, last_day=tehran_today(), reason="sold"
        )
    assert refused.value.code == "policy_has_claim"
    claim_reject(claim=claim, actor=operator, reason="خارج از پوشش")
    assert not policy_has_claim(policy)
    request = cancellation_request(
        policy=policy, customer=customer, last_day=tehran_today(), reason="sold"
    )
    assert request.policy_id == policy.pk
