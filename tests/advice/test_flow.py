"""One answer per agency, the customer's choice and what each side sees before and after it,
cancelling and posting again, rating once and only after a choice, a suspended agency
refused (S-8.2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from advice.models import AdviceRequest
from advice.services import (
    advice_accept,
    advice_answer,
    advice_cancel,
    advice_rate,
    advice_request_create,
)
from core.errors import Conflict
from core.models import AuditLog, SmsMessage
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.advice.conftest import CENTRE, MAIN, PANEL, owner_of, place

pytestmark = pytest.mark.django_db


def test_an_agency_answers_once_and_the_customer_is_texted_on_the_first_answer_only(
    posted, near, buyer
):
    first, second = near
    one = advice_answer(
        request_id=posted.pk, agency=first, actor=owner_of(first), message="پاسخ", premium=5_000
    )
    with pytest.raises(Conflict):
        advice_answer(request_id=posted.pk, agency=first, actor=owner_of(first), message="دوباره")
    two = advice_answer(request_id=posted.pk, agency=second, actor=None, message="پاسخ دوم")
    assert (one.number, two.number) == (1, 2)
    assert posted.answers.count() == 2
    texts = SmsMessage.objects.filter(kind="advice_answered")
    assert list(texts.values_list("to", flat=True)) == [buyer.mobile]
    assert first.name not in texts.get().body
    assert AuditLog.objects.filter(action="advice_answer.created").count() == 2


def test_an_agency_not_offered_the_request_cannot_answer(posted, settings_row):
    stranger = place(km_east=300)
    with pytest.raises(ValidationError):
        advice_answer(request_id=posted.pk, agency=stranger, actor=None, message="سلام")
    assert posted.answers.count() == 0


def test_a_suspended_agency_is_refused_inside_the_service(posted, near):
    first, _second = near
    Agency.objects.filter(pk=first.pk).update(status=Agency.Status.SUSPENDED)
    first.refresh_from_db()
    with pytest.raises(AgencyNotActive):
        advice_answer(request_id=posted.pk, agency=first, actor=None, message="سلام")
    assert posted.answers.count() == 0


def test_the_answer_of_an_agency_suspended_since_cannot_be_chosen(answered, near, buyer):
    Agency.objects.filter(pk=near[0].pk).update(status=Agency.Status.SUSPENDED)
    with pytest.raises(Conflict):
        advice_accept(request_id=answered.pk, customer=buyer, answer_number=1, actor=buyer)
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.OPEN


def _customer_page(client, buyer, request_id) -> str:
    client.force_login(buyer)
    response = client.get(f"/advice/{request_id}/", HTTP_HOST=MAIN)
    assert response.status_code == 200
    return response.content.decode()


def _panel_page(client, agency, request_id) -> str:
    client.force_login(owner_of(agency))
    response = client.get(f"/advice/{request_id}/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    return response.content.decode()


def _api(client, user, path: str, host: str = MAIN) -> str:
    client.force_login(user)
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    return response.content.decode()


def _agency_marks(agency) -> list[str]:
    return [agency.name, agency.phone, str(agency.code), agency.address or agency.name]


def test_before_acceptance_neither_side_sees_the_other(client, answered, near, buyer):
    customer_sides = [
        _customer_page(client, buyer, answered.pk),
        _api(client, buyer, f"/api/advice/requests/{answered.pk}/"),
    ]
    for html in customer_sides:
        for agency in near:
            for mark in _agency_marks(agency):
                assert mark not in html
    assert "نمایندگی ۱" in customer_sides[0] and "نمایندگی ۲" in customer_sides[0]
    for agency in near:
        agency_sides = [
            _panel_page(client, agency, answered.pk),
            client.get("/advice/", HTTP_HOST=PANEL).content.decode(),
            _api(client, owner_of(agency), f"/api/advice/offered/{answered.pk}/"),
            _api(client, owner_of(agency), "/api/advice/offered/"),
        ]
        other = near[1] if agency == near[0] else near[0]
        for html in agency_sides:
            for mark in ("سارا", "کریمی", buyer.mobile, "9127776655"):
                assert mark not in html
            assert other.name not in html


def test_after_acceptance_each_sees_the_other_and_the_rest_see_it_closed(
    client, answered, near, buyer
):
    first, second = near
    client.force_login(buyer)
    response = client.post(f"/advice/{answered.pk}/accept/", {"answer": "1"}, HTTP_HOST=MAIN)
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.ACCEPTED
    html = _customer_page(client, buyer, answered.pk)
    assert first.name in html and "خیابان آزادی" in html
    assert "۰۲۱-۱۱۱۱۲۲۲۲" in html or "021-11112222" in html
    assert second.name not in html and "33334444" not in html
    data = _api(client, buyer, f"/api/advice/requests/{answered.pk}/")
    assert first.name in data and "021-11112222" in data and second.name not in data

    chosen = _panel_page(client, first, answered.pk)
    assert "سارا کریمی" in chosen and "۰۹۱۲۷۷۷۶۶۵۵" in chosen
    assert "9127776655" in _api(client, owner_of(first), f"/api/advice/offered/{answered.pk}/")
    other = _panel_page(client, second, answered.pk)
    assert "کریمی" not in other and "بسته شد" in other
    assert SmsMessage.objects.filter(kind="advice_accepted", to=owner_of(first).mobile).exists()
    # Accepting again, or another answer, is refused.
    with pytest.raises(Conflict):
        advice_accept(request_id=answered.pk, customer=buyer, answer_number=2, actor=buyer)


def test_cancel_and_post_again(answered, buyer, line, near):
    with pytest.raises(Conflict):  # one open request per line
        advice_request_create(
            customer=buyer, line_id=line.pk, latitude=CENTRE[0], longitude=CENTRE[1]
        )
    advice_cancel(request_id=answered.pk, customer=buyer, actor=buyer)
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.CANCELLED
    with pytest.raises(Conflict):
        advice_cancel(request_id=answered.pk, customer=buyer, actor=buyer)
    with pytest.raises(Conflict):
        advice_answer(request_id=answered.pk, agency=near[0], actor=None, message="x")
    again = advice_request_create(
        customer=buyer, line_id=line.pk, latitude=CENTRE[0], longitude=CENTRE[1]
    )
    assert again.state == AdviceRequest.State.OPEN and again.offers.count() == 2
    assert AuditLog.objects.filter(action="advice_request.cancelled").count() == 1


def test_ending_the_work_after_acceptance(answered, buyer):
    advice_accept(request_id=answered.pk, customer=buyer, answer_number=2, actor=buyer)
    advice_cancel(request_id=answered.pk, customer=buyer, actor=buyer)
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.CANCELLED


def test_rating_once_and_only_after_acceptance(answered, buyer, near):
    with pytest.raises(Conflict):
        advice_rate(request_id=answered.pk, customer=buyer, score=5, actor=buyer)
    advice_accept(request_id=answered.pk, customer=buyer, answer_number=2, actor=buyer)
    with pytest.raises(ValidationError):
        advice_rate(request_id=answered.pk, customer=buyer, score=6, actor=buyer)
    rating = advice_rate(
        request_id=answered.pk, customer=buyer, score=4, comment=" خوب  بود ", actor=buyer
    )
    assert rating.agency_id == near[1].pk and rating.comment == "خوب بود"
    with pytest.raises(Conflict):
        advice_rate(request_id=answered.pk, customer=buyer, score=1, actor=buyer)


def test_another_customer_cannot_act_on_the_request(answered, buyer):
    from tests.factories import create_user

    intruder = create_user()
    for act in (
        lambda: advice_accept(
            request_id=answered.pk, customer=intruder, answer_number=1, actor=intruder
        ),
        lambda: advice_cancel(request_id=answered.pk, customer=intruder, actor=intruder),
        lambda: advice_rate(request_id=answered.pk, customer=intruder, score=3, actor=intruder),
    ):
        with pytest.raises(ValidationError) as refused:
            act()
        assert refused.value.code == "missing"
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.OPEN
