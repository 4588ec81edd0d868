"""A suspended or pending agency takes no order (issue 11): the statement that decides the race
reads the agency's status under a share lock, so a suspension and an acceptance are ordered —
whichever takes the row first, the acceptance never commits after the suspension; and a
suspension withdraws the agency's waiting offers, moving the wave on when nobody is left."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.models import AuditLog
from policies.models import Order
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import (
    agency_offers_withdraw,
    offer_accept,
    offer_decline,
    referral_start,
)
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_set_status
from tests.referrals.conftest import place
from tests.waiting import eventually

DEADLINE = 15.0


@pytest.fixture
def offered(settings_row, paid_order):
    """Wave 1 offered to two agencies; a third waits for wave 2."""
    first = place(km_east=1, name="نمایندگی اول")
    second = place(km_east=2, name="نمایندگی دوم")
    third = place(km_east=3, name="نمایندگی سوم")
    referral = referral_start(order_id=paid_order.pk)
    return referral, first, second, third


def _owner(agency: Agency):
    return agency.memberships.get().user


def _poll(predicate: Callable[[], bool]) -> bool:
    return eventually(predicate, timeout=DEADLINE)


def _waits_for_a_lock(pid: int) -> bool:
    # pg_blocking_pids is computed live, unlike pg_stat_activity inside a transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return bool(cursor.fetchone()[0])


class _InThread:
    """Runs ``work`` on its own connection; its backend pid is known before it starts."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.work = work
        self.pid: int | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.ready.set()
            self.work()
        except BaseException as error:  # noqa: BLE001 - examined by the test
            self.error = error
        finally:
            self.ready.set()
            connection.close()

    def start(self) -> _InThread:
        self.thread.start()
        assert self.ready.wait(DEADLINE)
        return self

    def join(self) -> None:
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answer_waiting_on_a_suspension_being_written_sees_it_and_is_refused(
    offered, paid_order, answer
):
    """The suspension has locked and changed the agency row but not committed when the
    agency's answer arrives: the answer waits for it, then sees "suspended" and is refused.
    A read without the lock would see the old "active" and let the answer through."""
    referral, first, _second, _third = offered
    offer = referral.offers.get(agency=first)
    call = offer_accept if answer == "accept" else offer_decline

    with transaction.atomic():
        agency_set_status(agency=first, status=Agency.Status.SUSPENDED, actor=None)
        answering = _InThread(
            lambda: call(offer_id=offer.pk, agency=first, actor=_owner(first))
        ).start()
        assert answering.pid is not None
        assert _poll(lambda: _waits_for_a_lock(answering.pid)), "the answer did not wait"
    answering.join()

    assert isinstance(answering.error, AgencyNotActive)
    assert answering.error.status == Agency.Status.SUSPENDED
    # Nothing of the answer stands; the suspension withdrew the waiting offer.
    offer.refresh_from_db()
    assert (offer.state, offer.answered_by) == (Offer.State.WITHDRAWN, None)
    referral.refresh_from_db()
    assert (referral.state, referral.agency) == (Referral.State.OPEN, None)
    paid_order.refresh_from_db()
    assert paid_order.agency is None and paid_order.awaiting_agency
    kinds = set(referral.events.filter(agency=first).values_list("kind", flat=True))
    assert kinds == {ReferralEvent.Kind.OFFERED, ReferralEvent.Kind.WITHDRAWN}
    assert not AuditLog.objects.filter(action__in=["referral.accepted", "offer.declined"]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_suspension_waits_for_an_acceptance_in_flight_to_commit(offered, paid_order):
    """The acceptance holds the agency row (shared) until it commits: a suspension arriving
    meanwhile waits, so the acceptance is committed before the suspension, never after."""
    referral, first, _second, _third = offered
    offer = referral.offers.get(agency=first)
    accepted, release = threading.Event(), threading.Event()

    def accept_and_hold() -> None:
        with transaction.atomic():
            offer_accept(offer_id=offer.pk, agency=first, actor=_owner(first))
            accepted.set()
            assert release.wait(DEADLINE)

    accepting = _InThread(accept_and_hold).start()
    try:
        assert accepted.wait(DEADLINE)
        suspending = _InThread(
            lambda: agency_set_status(agency=first, status=Agency.Status.SUSPENDED, actor=None)
        ).start()
        assert suspending.pid is not None
        assert _poll(lambda: _waits_for_a_lock(suspending.pid)), "the suspension did not wait"
        assert Agency.objects.get(pk=first.pk).status == Agency.Status.ACTIVE
    finally:
        release.set()
    accepting.join()
    suspending.join()

    assert accepting.error is None and suspending.error is None
    offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED
    paid_order.refresh_from_db()
    assert paid_order.agency == first
    assert Agency.objects.get(pk=first.pk).status == Agency.Status.SUSPENDED
    order = list(
        AuditLog.objects.filter(action__in=["referral.accepted", "agency.status"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert order == ["referral.accepted", "agency.status"]


# ---- a suspension withdraws the agency's waiting offers ---------------------------------------


@pytest.mark.django_db
def test_a_suspension_withdraws_the_agencys_waiting_offers(
    offered, django_capture_on_commit_callbacks
):
    referral, first, second, _third = offered
    due_at = referral.due_at

    with django_capture_on_commit_callbacks(execute=True):
        agency_set_status(agency=first, status=Agency.Status.SUSPENDED, actor=None)

    states = dict(referral.offers.values_list("agency_id", "state"))
    assert states == {first.pk: Offer.State.WITHDRAWN, second.pk: Offer.State.WAITING}
    referral.refresh_from_db()
    assert (referral.state, referral.wave, referral.due_at) == (Referral.State.OPEN, 1, due_at)
    event = referral.events.get(kind=ReferralEvent.Kind.WITHDRAWN)
    assert (event.agency, event.data) == (first, {"agency_status": "suspended"})
    audit = AuditLog.objects.get(action="offer.withdrawn")
    assert (audit.agency_id, audit.actor, audit.actor_label) == (first.pk, None, "referrals")
    assert audit.changes == {
        "state": ["waiting", "withdrawn"],
        "agency_status": [None, "suspended"],
    }


@pytest.mark.django_db
def test_when_no_offer_is_left_waiting_the_next_wave_comes_at_once(
    offered, django_capture_on_commit_callbacks
):
    referral, first, second, third = offered

    with django_capture_on_commit_callbacks(execute=True):
        agency_set_status(agency=first, status=Agency.Status.SUSPENDED, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        agency_set_status(agency=second, status=Agency.Status.PENDING, actor=None)

    referral.refresh_from_db()
    assert (referral.state, referral.wave) == (Referral.State.OPEN, 2)
    assert referral.due_at > timezone.now()
    states = dict(referral.offers.values_list("agency_id", "state"))
    assert states == {
        first.pk: Offer.State.WITHDRAWN,
        second.pk: Offer.State.WITHDRAWN,
        third.pk: Offer.State.WAITING,
    }


@pytest.mark.django_db
def test_a_withdrawal_that_runs_after_the_agency_is_active_again_does_nothing(offered):
    referral, first, _second, _third = offered
    agency_set_status(agency=first, status=Agency.Status.SUSPENDED, actor=None)
    agency_set_status(agency=first, status=Agency.Status.ACTIVE, actor=None)

    assert agency_offers_withdraw(agency_id=first.pk) == 0
    assert referral.offers.get(agency=first).state == Offer.State.WAITING
    assert not referral.events.filter(kind=ReferralEvent.Kind.WITHDRAWN).exists()


@pytest.mark.django_db
def test_a_stopped_agency_cannot_take_the_order_even_with_its_offer_still_waiting(
    offered, paid_order
):
    """Without the withdrawal (say the broker was down), the acceptance itself refuses."""
    referral, first, second, _third = offered
    Agency.objects.filter(pk=first.pk).update(status=Agency.Status.PENDING)
    offer = referral.offers.get(agency=first)

    with pytest.raises(AgencyNotActive) as refused:
        offer_accept(offer_id=offer.pk, agency=first, actor=_owner(first))

    assert refused.value.status == Agency.Status.PENDING
    offer.refresh_from_db()
    assert offer.state == Offer.State.WAITING
    paid_order.refresh_from_db()
    assert (paid_order.agency, paid_order.state) == (None, Order.State.PAID)
    # The other agency can still take it.
    offer_accept(
        offer_id=referral.offers.get(agency=second).pk, agency=second, actor=_owner(second)
    )
    paid_order.refresh_from_db()
    assert paid_order.agency == second
