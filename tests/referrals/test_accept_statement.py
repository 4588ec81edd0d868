"""The winner's acceptance is one deciding statement and two writes (decisions 058 and
064): the statement also gives the order to the agency and writes the referral's events;
the audit rows and the sales-record row go in one statement, then the customer's SMS;
nothing is read again, and a loser's statement writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog, SmsMessage
from policies.models import Order, SalesEvent
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import OfferGone, offer_accept, referral_start
from tests.referrals.conftest import place
from tests.referrals.test_accept import owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(settings_row, paid_order):
    first, second = place(km_east=1), place(km_east=2)
    referral = referral_start(order_id=paid_order.pk)
    return referral, first, second


def _writes(queries) -> list[str]:
    return [
        q["sql"].split()[0].upper()
        for q in queries
        # Not the transaction's own statements, nor the schema's search path.
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "SET "))
    ]


def test_the_winner_decides_assigns_and_records_in_three_statements(offered, paid_order):
    referral, first, second = offered
    offer = referral.offers.get(agency=second)
    actor = owner(second)
    with CaptureQueriesContext(connection) as captured:
        accepted = offer_accept(offer_id=offer.pk, agency=second, actor=actor)
    # The deciding statement; the two audit rows with the sales-record row; the SMS.
    assert _writes(captured.captured_queries) == ["WITH", "WITH", "INSERT"]
    deciding, recording = (
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("WITH")
    )
    assert "UPDATE policies_order" in deciding and "INSERT INTO referrals_referralevent" in deciding
    assert "INSERT INTO core_auditlog" in recording
    assert "INSERT INTO policies_salesevent" in recording

    # The returned offer carries its referral and order as they are now: no query to read them.
    with CaptureQueriesContext(connection) as reading:
        assert accepted.referral.order.public_id == paid_order.public_id
        assert accepted.referral.state == Referral.State.ACCEPTED
        assert accepted.referral.agency_id == second.pk
        assert accepted.referral.order.agency_id == second.pk
        assert not accepted.referral.order.awaiting_agency
    assert reading.captured_queries == []
    stored = Offer.objects.get(pk=offer.pk)
    for field in Offer._meta.concrete_fields:
        assert getattr(accepted, field.attname) == getattr(stored, field.attname), field.name
    order = Order.objects.get(pk=paid_order.pk)
    for field in Order._meta.concrete_fields:
        assert getattr(accepted.referral.order, field.attname) == getattr(order, field.attname), (
            field.name
        )


def test_the_events_and_audit_rows_are_complete(offered, paid_order):
    referral, first, second = offered
    actor = owner(second)
    offer = offer_accept(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=actor)
    events = list(
        ReferralEvent.objects.filter(referral=referral, kind__in=["accepted", "withdrawn"])
        .order_by("id")
        .values("kind", "wave", "agency_id", "actor_id", "order_id", "data", "created_at")
    )
    assert [(e["kind"], e["agency_id"], e["actor_id"]) for e in events] == [
        ("accepted", second.pk, actor.pk),
        ("withdrawn", first.pk, None),
    ]
    assert all(e["wave"] == 1 and e["order_id"] == paid_order.pk for e in events)
    assert all(e["data"] == {} and e["created_at"] == offer.answered_at for e in events)
    audits = {
        row.action: row
        for row in AuditLog.objects.filter(
            action__in=["referral.accepted", "order.agency_assigned"]
        )
    }
    accepted_row, assigned_row = audits["referral.accepted"], audits["order.agency_assigned"]
    assert (accepted_row.actor, accepted_row.actor_label) == (actor, str(actor))
    assert (accepted_row.target_type, accepted_row.target_id) == (
        "referrals.referral",
        str(referral.pk),
    )
    assert accepted_row.changes == {"state": ["open", "accepted"], "agency": [None, second.pk]}
    assert (assigned_row.target_type, assigned_row.target_id) == (
        "policies.order",
        str(paid_order.pk),
    )
    assert assigned_row.changes == {"agency": [None, second.pk]}
    assert accepted_row.agency_id == assigned_row.agency_id == second.pk
    sales = SalesEvent.objects.get(order=paid_order, event="agency_assigned")
    assert sales.agency_id == second.pk and sales.actor == actor
    assert sales.data == {"agency": second.code, "offer": offer.pk}
    assert (assigned_row.actor, assigned_row.actor_label) == (actor, str(actor))
    assert sales.actor_label == str(actor) and sales.quote_id is None
    assert (sales.ip_address, sales.user_agent) == (None, "")
    assert accepted_row.ip_address is None
    assert accepted_row.created_at == assigned_row.created_at == sales.created_at
    assert sales.created_at == offer.answered_at


def test_an_acceptance_without_a_person_is_recorded_as_the_system(offered, paid_order):
    referral, _first, second = offered
    offer_accept(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=None)
    rows = AuditLog.objects.filter(action__in=["referral.accepted", "order.agency_assigned"])
    assert sorted(rows.values_list("actor_id", "actor_label")) == [(None, "system")] * 2
    sales = SalesEvent.objects.get(order=paid_order, event="agency_assigned")
    assert (sales.actor_id, sales.actor_label) == (None, "system")


def test_a_loser_changes_and_writes_nothing(offered, paid_order):
    referral, first, second = offered
    offer_accept(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=None)
    counts = (
        ReferralEvent.objects.count(),
        AuditLog.objects.count(),
        SmsMessage.objects.count(),
        SalesEvent.objects.count(),
    )
    late = referral.offers.get(agency=second)
    with CaptureQueriesContext(connection) as captured, pytest.raises(OfferGone) as refused:
        offer_accept(offer_id=late.pk, agency=second, actor=None)
    assert refused.value.code == "taken"
    assert _writes(captured.captured_queries) == ["WITH"]
    after = (
        ReferralEvent.objects.count(),
        AuditLog.objects.count(),
        SmsMessage.objects.count(),
        SalesEvent.objects.count(),
    )
    assert after == counts


def test_an_order_no_longer_on_offer_undoes_the_whole_decision(offered, paid_order):
    referral, first, second = offered
    Order.objects.filter(pk=paid_order.pk).update(awaiting_agency=False)  # cancelled meanwhile
    offer = referral.offers.get(agency=second)
    events = ReferralEvent.objects.count()
    with pytest.raises(OfferGone) as refused:
        offer_accept(offer_id=offer.pk, agency=second, actor=None)
    assert refused.value.code == "gone"
    referral.refresh_from_db()
    assert referral.state == Referral.State.OPEN and referral.agency_id is None
    assert set(referral.offers.values_list("state", flat=True)) == {Offer.State.WAITING}
    assert ReferralEvent.objects.count() == events
    assert not AuditLog.objects.filter(action="referral.accepted").exists()
    assert Order.objects.get(pk=paid_order.pk).agency_id is None
