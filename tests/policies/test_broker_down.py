"""The broker is down when a policy is issued: the operator's page answers, the policy is
issued, and its PDF (with the customer's SMS) is made by the sweep once the broker is back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import SmsMessage
from policies.models import Order, Policy
from policies.tasks import policy_pdfs_resume
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_an_issue_answers_and_the_sweep_renders_the_pdf(
    client, operator, motor_line, motor_tariff, buyer, broker_down
):
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)
    client.force_login(operator)
    response = client.post(f"/issuance/{order.public_id}/issue/", {}, HTTP_HOST="ops.localhost")
    assert response.status_code == 302
    policy = Policy.objects.get(order=order)
    assert Order.objects.get(pk=order.pk).state == Order.State.ISSUED
    assert policy.pdf_rendered_at is None
    assert not SmsMessage.objects.filter(kind="policy_issued").exists()

    broker_down.recover()
    assert policy_pdfs_resume() == 0  # just issued: its task may still be on its way
    Policy.objects.filter(pk=policy.pk).update(issued_at=timezone.now() - dt.timedelta(minutes=3))
    assert policy_pdfs_resume() == 1
    policy.refresh_from_db()
    assert policy.pdf_rendered_at is not None
    assert policy.pdf.read().startswith(b"%PDF")
    assert SmsMessage.objects.filter(kind="policy_issued", to=buyer.mobile).count() == 1
    assert policy_pdfs_resume() == 0
