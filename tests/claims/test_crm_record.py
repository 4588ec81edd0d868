"""A paid claim reaches the selling agency's CRM once, and its ranking counts it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from claims.models import Claim
from claims.tasks import claims_crm_record
from crm.models import ClaimRecord, CustomerRank
from crm.services.ranking import ranking_recompute
from tests.claims.conftest import file_claim, move_to, sell

pytestmark = pytest.mark.django_db


def test_a_paid_claim_is_recorded_once_in_the_agencys_crm_and_feeds_the_loss_ratio(
    policy, agency, operator, assessor, django_capture_on_commit_callbacks
):
    claim = move_to(
        file_claim(policy), Claim.State.PAYMENT_ORDERED, actor=operator, assessor=assessor
    )
    with schema_context(agency.schema_name):
        assert not ClaimRecord.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        move_to(claim, Claim.State.PAID, actor=operator, assessor=assessor)
    assert len(callbacks) >= 1
    with schema_context(agency.schema_name):
        record = ClaimRecord.objects.select_related("book_policy", "customer").get()
        assert record.state == ClaimRecord.State.PAID
        assert record.paid_amount == Decimal("67500000")
        assert record.number == claim.number
        assert record.book_policy.policy_id == policy.pk
        assert record.customer.national_code == "0499370899"
    # A redelivered message records nothing more.
    assert claims_crm_record(agency.schema_name, claim.pk) is False
    with schema_context(agency.schema_name):
        assert ClaimRecord.objects.count() == 1
        ranking_recompute(agency=agency)
        rank = CustomerRank.objects.get(customer=record.customer)
        assert rank.claims_paid == Decimal("67500000")
        assert rank.loss_ratio == Decimal("5.4678")  # 67,500,000 / 12,345,000


def test_an_unpaid_claim_or_a_main_site_claim_records_nothing(
    motor, customer, agency, operator, assessor, django_capture_on_commit_callbacks
):
    main_policy = sell(motor, customer=customer)
    claim = file_claim(main_policy)
    assert claims_crm_record(agency.schema_name, claim.pk) is False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        move_to(claim, Claim.State.PAID, actor=operator, assessor=assessor)
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.PAID
    assert all("claims_crm_record" not in repr(callback) for callback in callbacks)
    with schema_context(agency.schema_name):
        assert not ClaimRecord.objects.exists()
