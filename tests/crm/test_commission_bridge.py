"""The commission settlement fixes on a policy an agency sold reaches that agency's book, so
the ranking's "commission earned" is real; settlement and crm never import each other."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.models import BookPolicy, CustomerRank
from crm.services.commissions import book_commission_set
from crm.services.ranking import ranking_recompute
from crm.tasks import crm_commission_set
from settlement.models import Commission
from settlement.services.commissions import commission_compute
from tests.crm.conftest import inside, sell
from tests.factories import create_user


def test_the_fixed_commission_lands_on_the_book_row_once(
    agency, sale_line, django_capture_on_commit_callbacks
):
    policy = sell(agency, sale_line, premium="20000000")
    # The CRM's own sync has not run: the commission's task books the policy first.
    with django_capture_on_commit_callbacks(execute=True):
        commission = commission_compute(policy_id=policy.pk)
    assert commission is not None and commission.amount > 0
    with inside(agency):
        book = BookPolicy.objects.get(policy_id=policy.pk)
        assert book.commission == commission.amount
        assert isinstance(book.commission, Decimal)
        # Twice (a redelivered message): nothing changes.
        assert crm_commission_set(agency.schema_name, policy.pk, str(commission.amount)) is False
        assert BookPolicy.objects.get(policy_id=policy.pk).commission == commission.amount
    # A second compute finds the row and announces nothing new.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert commission_compute(policy_id=policy.pk) == commission
    assert callbacks == []
    assert Commission.objects.filter(policy_id=policy.pk).count() == 1


def test_commission_earned_now_ranks_customers(agency, sale_line):
    """Two customers with the same premium and purchases: the one whose sale earned the
    agency more commission ranks higher once the commission is recorded."""
    low = sell(
        agency, sale_line, buyer=create_user(), national_code="0499370899", premium="10000000"
    )
    high = sell(
        agency, sale_line, buyer=create_user(), national_code="0013542419", premium="10000000"
    )
    with inside(agency):
        book_commission_set(agency=agency, policy_id=low.pk, amount=Decimal("100000"))
        book_commission_set(agency=agency, policy_id=high.pk, amount=Decimal("900000"))
        ranking_recompute(agency=agency)
        ranks = {
            rank.customer.national_code: rank
            for rank in CustomerRank.objects.select_related("customer")
        }
        assert ranks["0013542419"].commission == Decimal("900000")
        assert ranks["0499370899"].commission == Decimal("100000")
        assert ranks["0013542419"].score > ranks["0499370899"].score


def test_a_negative_or_float_commission_is_refused(agency, sale_line):
    policy = sell(agency, sale_line)
    with inside(agency):
        for bad in (Decimal("-1"), 1.5):
            with pytest.raises(ValueError):
                book_commission_set(agency=agency, policy_id=policy.pk, amount=bad)
        assert not BookPolicy.objects.filter(commission__isnull=False).exists()
