"""A newly issued policy linked to the one it renews (decision 043): by the renewal offer's
order (credited to the offer's channel) or by the same customer and line within 45 days;
run again, nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.models import BookPolicy
from crm.services.ledger import ledger_policies_sync
from policies.models import Policy
from renewals.models import RenewalSettings, WorkItem
from renewals.services.linking import WINDOW_DAYS, renewals_link
from tests.crm.conftest import inside, owner_of
from tests.crm.test_selling import DETAILS, catalog_ready, make_customer, order_for
from tests.renewals.test_online import issue, item_for, prepare, sold
from tests.renewals.test_online import today as _today

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(agency, monkeypatch):
    catalog_ready(monkeypatch)
    return agency


def _state(agency) -> list[tuple]:
    with inside(agency):
        return sorted((p.pk, p.state, p.renewed_by_id) for p in BookPolicy.objects.all()) + sorted(
            (i.pk, i.state, i.outcome, i.channel, i.new_book_policy_id, i.points)
            for i in WorkItem.objects.all()
        )


def test_a_policy_issued_from_the_renewal_link_renews_the_old_one(shop):
    old = sold(shop, expires_in=20)
    staff = owner_of(shop)
    item = item_for(shop, old, assigned_to=staff.pk)
    with inside(shop):
        RenewalSettings.objects.update_or_create(id=1, defaults={"points_per_renewal": 7})
    sale = prepare(shop, old)  # the customer from the SMS link
    new = issue(shop, sale)  # paid, issued, booked: the receiver links it
    with inside(shop):
        old.refresh_from_db()
        item.refresh_from_db()
    assert (old.renewed_by_id, old.state) == (new.pk, "renewed")
    assert (item.state, item.outcome, item.channel) == ("closed", "renewed", "online_link")
    assert (item.new_book_policy_id, item.points, item.credited_user_id) == (new.pk, 7, staff.pk)
    assert item.renewal_premium == new.premium
    # The ledger sync again, and the receiver again: nothing changes.
    before = _state(shop)
    with inside(shop):
        ledger_policies_sync(agency=shop, policy_ids=[new.policy_id])
        assert renewals_link(agency=shop, book_ids=[new.pk]) == 0
    assert _state(shop) == before


def test_a_sale_of_the_same_line_near_the_expiry_renews_the_policy(shop):
    old = sold(shop, expires_in=10)
    item = item_for(shop, old)
    with inside(shop):
        customer = old.customer
    # Sold again to the same customer in the panel, without the renewal offer: by phone.
    new = issue(shop, order_for(shop, customer, details=DETAILS))
    with inside(shop):
        old.refresh_from_db()
        item.refresh_from_db()
    assert old.renewed_by_id == new.pk
    assert (item.outcome, item.channel, item.points) == ("renewed", "call", 0)


def test_a_policy_ending_outside_the_window_is_not_renewed(shop):
    old = sold(shop, expires_in=WINDOW_DAYS + 10)
    with inside(shop):
        customer = old.customer
    new = issue(shop, order_for(shop, customer, details=DETAILS))
    with inside(shop):
        old.refresh_from_db()
        assert old.renewed_by_id is None
        # Moved into the window, the receiver run by hand links it, once, as "site" when
        # the order was not made in the panel.
        BookPolicy.objects.filter(pk=old.pk).update(
            end_date=new.start_date + dt.timedelta(days=WINDOW_DAYS)
        )
        from crm.models import PanelSale

        PanelSale.objects.filter(order_id=new.order_id).delete()
        assert renewals_link(agency=shop, book_ids=[new.pk]) == 1
        assert renewals_link(agency=shop, book_ids=[new.pk]) == 0
        old.refresh_from_db()
        assert old.renewed_by_id == new.pk
        assert Policy.objects.filter(pk=new.policy_id).exists()


def test_another_customers_or_lines_policy_is_not_renewed(shop):
    old = sold(shop, expires_in=5)
    other = make_customer(
        shop,
        first_name="رضا",
        national_code="0499370899",
        phones=["09120000001"],
        allow_duplicates=True,
    )
    new = issue(shop, order_for(shop, other, details=DETAILS))
    with inside(shop):
        old.refresh_from_db()
        assert old.renewed_by_id is None and new.customer_id == other.pk
        BookPolicy.objects.filter(pk=old.pk).update(line_code="motor_hull")
        assert renewals_link(agency=shop, book_ids=[new.pk]) == 0


def test_one_batch_renews_each_old_policy_once_and_a_renewal_is_renewed_in_turn(shop):
    customer = make_customer(shop)
    start = _today() - dt.timedelta(days=700)

    def policy(number: str, begins: dt.date) -> BookPolicy:
        return BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="fire",
            number=number,
            start_date=begins,
            end_date=begins + dt.timedelta(days=365),
        )

    with inside(shop):
        first = policy("F-1", start)
        second = policy("F-2", start + dt.timedelta(days=365))
        third = policy("F-3", start + dt.timedelta(days=730))
        twin = policy("F-3b", start + dt.timedelta(days=731))
        # A backfill's batch: all four new at once, in the ledger's order.
        assert renewals_link(agency=shop, book_ids=[first.pk, second.pk, third.pk, twin.pk]) == 2
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.renewed_by_id, second.renewed_by_id) == (second.pk, third.pk)
        assert not BookPolicy.objects.filter(renewed_by=twin).exists()
        assert renewals_link(agency=shop, book_ids=[first.pk, second.pk, third.pk, twin.pk]) == 0
