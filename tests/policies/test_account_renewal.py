"""Renewal from the customer's account (S-2.6, decision 050): "renew" on a policy in its
window (30 days before its end to 30 days after) opens the line's quote prefilled from the
old order (one more no-claim year unless a claim), then the normal purchase, with the new
order linked to the old policy and shown on both in the account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.jalali import tehran_today
from policies.claim_checks import claim_check_register, claim_check_unregister
from policies.models import Order, Policy
from policies.services.quotes import quote_create
from policies.services.renewal import renewable
from tests.crm.test_selling import DETAILS, THIRD_PARTY
from tests.factories import create_user

pytestmark = pytest.mark.django_db
MAIN = "localhost"


@pytest.fixture
def holder(db):
    return create_user(first_name="سارا", last_name="کریمی", national_code="0013542419")


def make_policy(holder, *, ends_in: int, number: str = "1405-11-000901") -> Policy:
    quote = quote_create(line="third_party", answers=THIRD_PARTY, agency=None, user=holder)
    end = tehran_today() + dt.timedelta(days=ends_in)
    order = Order.objects.create(
        channel=Order.Channel.MAIN,
        customer=holder,
        quote=quote,
        line=quote.line,
        tariff_version=quote.tariff_version,
        premium=quote.premium,
        breakdown=quote.breakdown,
        term_days=365,
        state=Order.State.ISSUED,
        insured_first_name="سارا",
        insured_last_name="کریمی",
        insured_national_code="0013542419",
        insured_birth_date=dt.date(1988, 3, 1),
        insured_mobile=holder.mobile,
        details=DETAILS,
    )
    return Policy.objects.create(
        order=order,
        number=number,
        line=quote.line,
        jalali_year=1405,
        sequence=int(number[-6:]),
        customer=holder,
        start_date=end - dt.timedelta(days=365),
        end_date=end,
        premium=quote.premium,
        tariff_version=quote.tariff_version,
        verification_code=f"R{number[-6:]}",
    )


def test_the_window_is_thirty_days_either_side_of_the_end(catalog, holder):
    policy = make_policy(holder, ends_in=10)
    today = tehran_today()
    end = policy.end_date
    assert renewable(policy, end - dt.timedelta(days=30))
    assert not renewable(policy, end - dt.timedelta(days=31))
    assert renewable(policy, end + dt.timedelta(days=30))
    assert not renewable(policy, end + dt.timedelta(days=31))
    policy.state = Policy.State.CANCELLED
    assert not renewable(policy, today)


def test_renew_opens_the_quote_prefilled_with_one_more_no_claim_year(client, catalog, holder):
    policy = make_policy(holder, ends_in=10)
    client.force_login(holder)
    account = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert f'href="/policies/{policy.number}/renew/" class="policy-renew' in account
    page = client.get(f"/policies/{policy.number}/renew/", HTTP_HOST=MAIN)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["no_claim_years"] == 4  # 3 + 1: no claim on the old policy
    assert form.initial["vehicle_group"] == "pride"


def test_a_claim_keeps_the_no_claim_years(client, catalog, holder):
    policy = make_policy(holder, ends_in=10)

    def check(candidate) -> bool:
        return candidate.pk == policy.pk

    claim_check_register(check)
    try:
        client.force_login(holder)
        page = client.get(f"/policies/{policy.number}/renew/", HTTP_HOST=MAIN)
    finally:
        claim_check_unregister(check)
    assert page.context["form"].initial["no_claim_years"] == 3


def test_the_new_order_is_linked_to_the_old_policy_and_shown_on_both(client, catalog, holder):
    policy = make_policy(holder, ends_in=10)
    client.force_login(holder)
    answers = {**THIRD_PARTY, "no_claim_years": "4", "previous_insurer": "iran"}
    answer = client.post(f"/policies/{policy.number}/renew/", answers, HTTP_HOST=MAIN)
    order = Order.objects.get(renews=policy)
    assert answer.status_code == 302
    assert answer["Location"] == f"/orders/{order.public_id}/insured/"
    assert order.quote.answers["no_claim_years"] == 4
    assert order.premium == order.quote.premium > Decimal(0)
    assert (order.insured_national_code, order.details) == ("0013542419", DETAILS)
    # Asking again resumes the same order instead of opening a second one.
    again = client.get(f"/policies/{policy.number}/renew/", HTTP_HOST=MAIN)
    assert again.status_code == 302 and Order.objects.filter(renews=policy).count() == 1
    Order.objects.filter(pk=order.pk).update(state=Order.State.AWAITING_PAYMENT)
    account = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert 'class="order-renews"' in account and 'class="policy-renewed-by"' in account


def test_someone_elses_policy_is_404_and_a_cancelled_or_out_of_window_one_refused(
    client, catalog, holder
):
    policy = make_policy(holder, ends_in=10)
    client.force_login(create_user())
    assert client.get(f"/policies/{policy.number}/renew/", HTTP_HOST=MAIN).status_code == 404
    assert (
        client.post(f"/policies/{policy.number}/renew/", THIRD_PARTY, HTTP_HOST=MAIN).status_code
        == 404
    )
    client.force_login(holder)
    Policy.objects.filter(pk=policy.pk).update(state=Policy.State.CANCELLED)
    refused = client.get(f"/policies/{policy.number}/renew/", HTTP_HOST=MAIN, follow=True)
    assert "باطل" in refused.content.decode() or "ابطال" in refused.content.decode()
    early = make_policy(holder, ends_in=90, number="1405-11-000902")
    refused = client.post(f"/policies/{early.number}/renew/", THIRD_PARTY, HTTP_HOST=MAIN)
    assert refused.status_code == 302
    assert not Order.objects.filter(renews__isnull=False).exists()
