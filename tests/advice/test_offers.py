"""Who is offered a request (S-8.2 with decision 011's search): the K nearest active agencies
within R that sell the line and take referrals, widening in waves while nobody answers; the
sweep is safe to run twice; idle requests expire once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from advice.models import AdviceOffer, AdviceRequest
from advice.services import advice_answer, advice_request_create, advice_sweep
from core.models import AuditLog, SmsMessage
from policies.models import AgencyLine
from tenants.models import Agency
from tests.advice.conftest import CENTRE, owner_of, place

pytestmark = pytest.mark.django_db


def _post(customer, line, **kwargs):
    kwargs.setdefault("latitude", CENTRE[0])
    kwargs.setdefault("longitude", CENTRE[1])
    return advice_request_create(customer=customer, line_id=line.pk, **kwargs)


def _offered(request) -> set[int]:
    return set(AdviceOffer.objects.filter(request=request).values_list("agency_id", flat=True))


def test_offered_to_the_k_nearest_eligible_agencies_within_the_first_radius(
    settings_row, buyer, line
):
    nearest = place(km_east=1)
    second = place(km_north=2)
    third = place(km_east=3)  # eligible, but K=2
    far = place(km_east=40)
    suspended = place(km_east=0.5, status=Agency.Status.SUSPENDED)
    no_referrals = place(km_east=0.6, accepts_referrals=False)
    not_selling = place(km_east=0.7)
    AgencyLine.objects.create(agency=not_selling, line=line, allowed=True, offered=False)
    request = _post(buyer, line)
    assert _offered(request) == {nearest.pk, second.pk}
    assert request.wave == 1 and request.due_at is not None
    offers = {offer.agency_id: offer for offer in request.offers.all()}
    assert 900 < offers[nearest.pk].distance_m < 1100
    for left_out in (third, far, suspended, no_referrals, not_selling):
        assert left_out.pk not in _offered(request)


def test_each_offered_agency_is_texted_once_without_the_customer(near, buyer, line):
    request = _post(buyer, line)
    messages = SmsMessage.objects.filter(kind="advice_offer")
    assert sorted(messages.values_list("to", flat=True)) == sorted(
        owner_of(agency).mobile for agency in near
    )
    for message in messages:
        assert "کریمی" not in message.body and buyer.mobile not in message.body
        assert f"/advice/{request.pk}/" in message.body


def test_a_wave_with_nobody_widens_at_once_and_the_sweep_widens_later(settings_row, buyer, line):
    at_8km = place(km_east=8)  # wave 2 (10 km)
    at_15km = place(km_east=15)  # wave 3 (20 km)
    request = _post(buyer, line)
    assert request.wave == 2 and _offered(request) == {at_8km.pk}
    later = request.due_at + dt.timedelta(seconds=1)
    assert advice_sweep(now=later) == 1
    assert advice_sweep(now=later) == 0  # run twice: nothing twice
    request.refresh_from_db()
    assert request.wave == 3 and _offered(request) == {at_8km.pk, at_15km.pk}
    assert AdviceOffer.objects.filter(request=request, agency=at_8km).count() == 1
    assert SmsMessage.objects.filter(kind="advice_offer").count() == 2
    # After the last wave nothing more is due.
    assert advice_sweep(now=request.due_at + dt.timedelta(seconds=1)) == 1
    request.refresh_from_db()
    assert request.wave == 3 and request.due_at is None


def test_an_answer_stops_the_circle_widening(posted, near, line):
    place(km_east=8)
    first, _second = near
    advice_answer(request_id=posted.pk, agency=first, actor=None, message="سلام")
    posted.refresh_from_db()
    assert posted.due_at is None
    assert advice_sweep(now=timezone.now() + dt.timedelta(hours=2)) == 0
    assert posted.offers.count() == 2


def test_an_idle_request_expires_once_and_can_no_longer_be_answered(posted, near):
    lapse = posted.expires_at + dt.timedelta(seconds=1)
    posted.due_at = None
    posted.save(update_fields=["due_at"])
    assert advice_sweep(now=lapse) == 1
    assert advice_sweep(now=lapse) == 0
    posted.refresh_from_db()
    assert posted.state == AdviceRequest.State.EXPIRED
    assert (
        AuditLog.objects.filter(action="advice_request.expired", target_id=str(posted.pk)).count()
        == 1
    )
    with pytest.raises(ValidationError) as refused:
        advice_answer(request_id=posted.pk, agency=near[0], actor=None, message="دیر")
    assert "بسته" in " ".join(refused.value.messages)


def test_without_a_map_point_the_city_centre_is_used(near, buyer, line):
    request = _post(buyer, line, latitude=None, longitude=None, city="تهران")
    assert request.location_source == "city"
    assert request.latitude == Decimal("35.6892")
    with pytest.raises(ValidationError) as refused:
        _post(buyer, line, latitude=None, longitude=None, city="ناکجا", province="")
    assert "نقشه" in " ".join(refused.value.messages)


def test_a_note_is_stored_normalised(near, buyer, line):
    request = _post(buyer, line, note="  بيمه\u200f  ماشين  كامل ")
    assert request.note == "بیمه ماشین کامل"
