"""The pages: customers see only their own requests (another's id is a 404, as for an agency
never offered a request), agency sites send the button to the main site, and every page
runs a fixed number of queries however many rows it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advice.models import AdviceAnswer, AdviceOffer, AdviceRequest
from advice.services import advice_accept
from tests.advice.conftest import CENTRE, MAIN, PANEL, owner_of, place
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def _queries(client, path: str, host: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, path
    return len(captured)


def _more_requests(customer, line, agency, n: int) -> None:
    """``n`` closed requests of ``customer``, each offered to and answered by ``agency``."""
    for _ in range(n):
        request = AdviceRequest.objects.create(
            customer=customer,
            line=line,
            latitude=CENTRE[0],
            longitude=CENTRE[1],
            state=AdviceRequest.State.CANCELLED,
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        AdviceOffer.objects.create(request=request, agency=agency, wave=1, distance_m=100)
        AdviceAnswer.objects.create(request=request, agency=agency, number=1, message="م")


def test_the_customer_pages(client, answered, buyer):
    client.force_login(buyer)
    home = client.get("/", HTTP_HOST=MAIN).content.decode()
    assert 'id="home-advice"' in home and 'href="/advice/new/"' in home
    form = client.get("/advice/new/", HTTP_HOST=MAIN).content.decode()
    assert 'id="location-map"' in form and 'name="line"' in form
    listing = client.get("/advice/", HTTP_HOST=MAIN).content.decode()
    assert f'data-advice="{answered.pk}"' in listing
    account = client.get("/account/", HTTP_HOST=MAIN).content.decode()
    assert 'id="my-advice"' in account and f'data-advice="{answered.pk}"' in account


def test_posting_from_the_form_with_bad_input_keeps_it_and_says_why_in_persian(
    client, near, buyer, line
):
    client.force_login(buyer)
    response = client.post(
        "/advice/new/",
        {"line": line.pk, "note": "سوال من", "city": "ناکجا"},
        HTTP_HOST=MAIN,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "نقشه" in html and "سوال من" in html
    assert not AdviceRequest.objects.exists()
    response = client.post(
        "/advice/new/",
        {"line": line.pk, "note": "سوال من", "latitude": "۳۵٫۶۹۹۷", "longitude": "51.338"},
        HTTP_HOST=MAIN,
    )
    created = AdviceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/advice/{created.pk}/"
    assert created.offers.count() == 2


def test_a_login_is_needed(client, answered):
    response = client.get(f"/advice/{answered.pk}/", HTTP_HOST=MAIN)
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.get("/advice/new/", HTTP_HOST=MAIN)
    assert response.status_code == 302 and "login" in response["Location"]


def test_another_customers_request_is_a_404_on_every_page_and_call(client, answered):
    client.force_login(create_user())
    pk = answered.pk
    for path in (f"/advice/{pk}/", f"/api/advice/requests/{pk}/"):
        assert client.get(path, HTTP_HOST=MAIN).status_code == 404, path
    for path, data in (
        (f"/advice/{pk}/accept/", {"answer": "1"}),
        (f"/advice/{pk}/cancel/", {}),
        (f"/advice/{pk}/rate/", {"score": "5"}),
    ):
        assert client.post(path, data, HTTP_HOST=MAIN).status_code == 404, path
    for path, data in (
        (f"/api/advice/requests/{pk}/accept/", {"answer": 1}),
        (f"/api/advice/requests/{pk}/cancel/", {}),
        (f"/api/advice/requests/{pk}/rating/", {"score": 5}),
    ):
        response = client.post(path, data, content_type="application/json", HTTP_HOST=MAIN)
        assert response.status_code == 404, path
    answered.refresh_from_db()
    assert answered.state == AdviceRequest.State.OPEN


def test_an_agency_never_offered_the_request_gets_404(client, answered, settings_row):
    stranger = place(km_east=400)
    client.force_login(owner_of(stranger))
    assert client.get(f"/advice/{answered.pk}/", HTTP_HOST=PANEL).status_code == 404
    response = client.post(f"/advice/{answered.pk}/", {"message": "x"}, HTTP_HOST=PANEL)
    assert response.status_code == 404
    assert client.get(f"/api/advice/offered/{answered.pk}/", HTTP_HOST=MAIN).status_code == 404
    response = client.post(
        f"/api/advice/offered/{answered.pk}/answer/",
        {"message": "x"},
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert response.status_code == 404
    assert (
        f'data-advice="{answered.pk}"'
        not in client.get("/advice/", HTTP_HOST=PANEL).content.decode()
    )
    assert answered.answers.count() == 2


def test_agency_sites_send_the_button_to_the_main_site_and_show_no_request(
    client, answered, buyer, agency
):
    client.force_login(buyer)
    host = f"ar{agency.code}.localhost"
    response = client.get("/advice/new/", HTTP_HOST=host)
    assert response.status_code == 302 and response["Location"].startswith("http://localhost")
    assert client.get(f"/advice/{answered.pk}/", HTTP_HOST=host).status_code == 404
    assert client.get("/advice/", HTTP_HOST=host).status_code == 404


def test_answering_in_the_panel(client, posted, near, buyer):
    first, _second = near
    client.force_login(owner_of(first))
    page = client.get("/advice/", HTTP_HOST=PANEL).content.decode()
    assert f'id="advice-open-{posted.pk}"' in page and 'data-answered="0"' in page
    badge = client.get("/advice/badge/", HTTP_HOST=PANEL)
    assert badge["Cache-Control"] == "no-store" and 'data-count="1"' in badge.content.decode()
    assert 'id="nav-panel-advice"' in page and 'hx-get="/advice/badge/"' in page
    empty = client.post(f"/advice/{posted.pk}/", {"message": "  "}, HTTP_HOST=PANEL)
    assert empty.status_code == 200 and "الزامی" in empty.content.decode()
    response = client.post(
        f"/advice/{posted.pk}/",
        {"message": "پيشنهاد ما", "premium": "۱۲٬۰۰۰٬۰۰۰"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    answer = posted.answers.get()
    assert answer.message == "پیشنهاد ما" and answer.premium == 12_000_000
    again = client.post(f"/advice/{posted.pk}/", {"message": "دوباره"}, HTTP_HOST=PANEL)
    assert again.status_code == 302 and posted.answers.count() == 1
    assert 'data-count="1"' not in client.get("/advice/badge/", HTTP_HOST=PANEL).content.decode()


def test_accept_cancel_and_rate_from_the_pages(client, answered, buyer):
    client.force_login(buyer)
    client.post(f"/advice/{answered.pk}/rate/", {"score": "5"}, HTTP_HOST=MAIN)
    assert not hasattr(AdviceRequest.objects.get(pk=answered.pk), "rating")
    client.post(f"/advice/{answered.pk}/accept/", {"answer": "2"}, HTTP_HOST=MAIN)
    html = client.get(f"/advice/{answered.pk}/", HTTP_HOST=MAIN).content.decode()
    assert 'id="advice-rate"' in html and 'id="agency-name"' in html
    client.post(f"/advice/{answered.pk}/rate/", {"score": "4", "comment": "عالی"}, HTTP_HOST=MAIN)
    html = client.get(f"/advice/{answered.pk}/", HTTP_HOST=MAIN).content.decode()
    assert 'id="advice-rating"' in html and 'id="advice-rate"' not in html
    client.post(f"/advice/{answered.pk}/cancel/", HTTP_HOST=MAIN)
    html = client.get(f"/advice/{answered.pk}/", HTTP_HOST=MAIN).content.decode()
    assert 'id="advice-again"' in html


def test_query_counts_do_not_grow_with_the_rows(client, answered, buyer, near, line):
    first = near[0]
    advice_accept(request_id=answered.pk, customer=buyer, answer_number=1, actor=buyer)
    customer_pages = ["/advice/", f"/advice/{answered.pk}/", "/account/"]
    panel_pages = ["/advice/", f"/advice/{answered.pk}/", "/advice/badge/"]

    def measure() -> list[int]:
        client.force_login(buyer)
        counts = [_queries(client, path, MAIN) for path in customer_pages]
        client.force_login(owner_of(first))
        return counts + [_queries(client, path, PANEL) for path in panel_pages]

    before = measure()
    _more_requests(buyer, line, first, 12)
    for n in range(3, 8):  # more answers on the same request
        AdviceAnswer.objects.create(
            request=answered, agency=place(km_east=100 + n), number=n, message="پاسخ"
        )
    after = measure()
    assert before == after
    assert max(after) <= 20


def test_the_account_section_is_one_query(rf, answered, buyer, django_assert_num_queries):
    from advice.account import account_context

    request = rf.get("/account/")
    request.user = buyer
    request.agency = None
    with django_assert_num_queries(1):
        data = account_context(request)
    assert [row.pk for row in data["rows"]] == [answered.pk]
