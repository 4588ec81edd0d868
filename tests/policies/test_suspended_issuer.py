"""An issuing agency that is suspended or pending issues nothing (issue 11); its paid orders go
to the virtual branch meanwhile, whose operators are the insurer's own and keep acting, so a
customer who has paid is not left waiting for an agency that cannot answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from policies.models import Order, Policy
from policies.selectors_issuance import issuance_queue
from policies.services.issuance import issuer_kind, order_reject, policy_issue
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_set_status
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order
from tests.policies.test_issuance import pdf_task_spy, snapshot

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
STOPPED = [Agency.Status.SUSPENDED, Agency.Status.PENDING]


@pytest.fixture
def issuing_agency(agency_factory):
    return agency_factory(code=711, name="نمایندگی صادرکننده", can_issue=True)


@pytest.fixture
def order(issuing_agency, motor_line, motor_tariff, buyer):
    return paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency)


@pytest.mark.parametrize("status", STOPPED)
def test_a_stopped_issuing_agencys_paid_orders_go_to_the_virtual_branch(
    client, issuing_agency, order, operator, status
):
    assert order not in issuance_queue()  # while active, the agency issues its own
    agency_set_status(agency=issuing_agency, status=status, actor=None)
    order.refresh_from_db()

    assert list(issuance_queue()) == [order]
    assert issuer_kind(user=operator, order=order) == "virtual_branch"
    assert issuer_kind(user=issuing_agency.memberships.get().user, order=order) is None
    client.force_login(operator)
    page = client.get(f"/issuance/{order.public_id}/", HTTP_HOST=OPS).content.decode()
    assert 'id="issue-form"' in page

    with pdf_task_spy():
        response = client.post(f"/issuance/{order.public_id}/issue/", {}, HTTP_HOST=OPS)

    assert response.status_code == 302
    policy = Policy.objects.get(order=order)
    assert (policy.agency, policy.issued_by, policy.issued_by_virtual_branch) == (
        issuing_agency,
        operator,
        True,
    )


@pytest.mark.parametrize("status", STOPPED)
def test_the_virtual_branch_may_reject_a_stopped_agencys_order(
    issuing_agency, order, operator, status
):
    agency_set_status(agency=issuing_agency, status=status, actor=None)
    order.refresh_from_db()

    order_reject(order=order, actor=operator, reason="مدارک خودرو ناقص است")

    order.refresh_from_db()
    assert (order.state, order.refund_due) == (Order.State.REJECTED, True)


def test_an_agency_member_holding_a_page_loaded_while_active_cannot_issue_or_reject(
    issuing_agency, order
):
    """The member's order and agency were read while it was active; suspended since, the
    issuance and the rejection refuse inside their transaction and change nothing."""
    owner = issuing_agency.memberships.get().user
    assert issuer_kind(user=owner, order=order) == "agency"
    agency_set_status(agency=issuing_agency, status=Agency.Status.SUSPENDED, actor=None)
    before = snapshot(order)

    with pytest.raises(AgencyNotActive):
        policy_issue(order=order, actor=owner)
    with pytest.raises(AgencyNotActive):
        order_reject(order=order, actor=owner, reason="مدارک خودرو ناقص است")

    assert snapshot(order) == before
    # Loaded afresh, the member is simply not an issuer of it any more.
    with pytest.raises(PermissionDenied) as refused:
        policy_issue(order=Order.objects.get(pk=order.pk), actor=owner)
    assert type(refused.value) is PermissionDenied
    assert snapshot(order) == before
