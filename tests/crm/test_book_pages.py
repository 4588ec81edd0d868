"""The book's panel pages: list with filters and a constant number of queries, the form for
another insurer's policy, a policy sold here limited to delivery and free fields, the free
fields' names for owners and managers only, and nothing of another agency reachable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import set_urlconf

from accounts.models import AgencyMembership
from crm.models import BookPolicy, CrmSettings
from crm.selectors.card import customer_card
from crm.services.book import other_policy_create
from crm.services.customers import customer_create
from crm.services.ledger import ledger_policies_sync
from tests.crm.book_fixtures import book_catalogue  # noqa: F401
from tests.crm.conftest import inside, owner_of, sell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("book_catalogue")]
PANEL = f"panel.{settings.BASE_DOMAIN}"


def _customer(agency, actor, n: int = 0):
    return customer_create(
        agency=agency, actor=actor, first_name="مریم", last_name=f"احمدی{n}", allow_duplicates=True
    )


def _fill(agency, actor, count: int, *, start: int = 0) -> None:
    with inside(agency):
        for n in range(start, start + count):
            other_policy_create(
                agency=agency,
                actor=actor,
                customer=_customer(agency, actor, n),
                insurer_code="asia" if n % 2 else "iran",
                line_code="third_party",
                number=f"P-{n}",
                end_date=dt.date(2027, 1, 1) + dt.timedelta(days=n),
                premium=1000 * (n + 1),
            )


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_3_or_30_rows(client, agency, owner):
    client.force_login(owner)
    _fill(agency, owner, 3)
    client.get("/book/", HTTP_HOST=PANEL)  # the session's first visit saves the agency
    few = _queries(client, "/book/")
    _fill(agency, owner, 27, start=3)
    many = _queries(client, "/book/")
    assert few == many
    assert _queries(client, "/book/?insurer=asia&q=احمدی") == many


def test_the_list_shows_the_book_in_persian_and_filters(client, agency, owner):
    client.force_login(owner)
    _fill(agency, owner, 3)
    body = client.get("/book/", HTTP_HOST=PANEL).content.decode()
    assert "بیمه ایران" in body and "بیمه آسیا" in body and "شخص ثالث" in body
    assert "۱۴۰۵/۱۰/۱۱" in body  # 2027-01-01 in Jalali, Persian digits
    assert "P-۰" in body
    body = client.get("/book/?insurer=asia", HTTP_HOST=PANEL).content.decode()
    with inside(agency):
        asia = BookPolicy.objects.get(number="P-1")
        iran = BookPolicy.objects.get(number="P-0")
    assert f'id="book-{asia.pk}"' in body and f'id="book-{iran.pk}"' not in body
    # Expiry range in Jalali (Persian digits): only P-0 expires on 1405/10/11.
    body = client.get(
        "/book/?expires_from=۱۴۰۵/۱۰/۱۱&expires_to=۱۴۰۵/۱۰/۱۱", HTTP_HOST=PANEL
    ).content.decode()
    assert "P-۰" in body and "P-۱" not in body
    response = client.get("/book/?expires_from=1405/13/01", HTTP_HOST=PANEL)
    assert response.status_code == 400
    assert "تاریخ شمسی معتبر" in response.content.decode()


def test_a_policy_is_added_from_the_customers_form(client, agency, owner, staff_member):
    with inside(agency):
        customer = _customer(agency, owner)
    client.force_login(staff_member.user)
    path = f"/book/customer/{customer.pk}/add/"
    assert client.get(path, HTTP_HOST=PANEL).status_code == 200
    data = {
        "insurer_code": "dana",
        "line_code": "third_party",
        "number": "۹۸۷۶",
        "start_date": "۱۴۰۵/۰۱/۰۱",
        "end_date": "۱۴۰۴/۰۱/۰۱",
        "premium": "۱٬۲۰۰٬۰۰۰",
        "delivery_method": "post",
    }
    response = client.post(path, data, HTTP_HOST=PANEL)
    assert response.status_code == 400
    assert "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد." in response.content.decode()
    data["end_date"] = "۱۴۰۶/۰۱/۰۱"
    response = client.post(path, data, HTTP_HOST=PANEL)
    assert response.status_code == 302
    with inside(agency):
        policy = BookPolicy.objects.get()
    assert (policy.number, policy.insurer_code, policy.premium) == ("9876", "dana", 1200000)
    assert policy.start_date == dt.date(2026, 3, 21) and policy.delivery_method == "post"
    assert policy.created_by_user_id == staff_member.user_id


def test_a_policy_sold_here_offers_only_delivery_and_free_fields(client, agency, owner, sale_line):
    sold = sell(agency, sale_line)
    with inside(agency):
        ledger_policies_sync(agency=agency, policy_ids=[sold.pk])
        row = BookPolicy.objects.get(policy_id=sold.pk)
        CrmSettings.objects.filter(pk=1).update(book_extra_1_label="کد پیگیری")
    client.force_login(owner)
    body = client.get(f"/book/{row.pk}/", HTTP_HOST=PANEL).content.decode()
    assert 'name="number"' not in body and 'name="delivery_method"' in body
    assert "کد پیگیری" in body and 'name="extra_2"' not in body
    response = client.post(
        f"/book/{row.pk}/",
        {"delivery_method": "courier", "extra_1": "۱۲", "number": "hack"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        row.refresh_from_db()
    assert (row.delivery_method, row.extra_1, row.number) == ("courier", "۱۲", sold.number)


def test_cancel_from_the_page(client, agency, owner):
    _fill(agency, owner, 1)
    with inside(agency):
        policy = BookPolicy.objects.get()
    client.force_login(owner)
    assert client.post(f"/book/{policy.pk}/cancel/", HTTP_HOST=PANEL).status_code == 302
    with inside(agency):
        assert BookPolicy.objects.get().state == BookPolicy.State.CANCELLED


def test_only_owners_and_managers_name_the_free_fields(client, agency, owner, staff_member):
    client.force_login(staff_member.user)
    assert client.get("/book/settings/", HTTP_HOST=PANEL).status_code == 403
    assert client.get("/book/", HTTP_HOST=PANEL).status_code == 200
    manager = AgencyMembership.objects.create(
        agency=agency,
        user=staff_member.user.__class__.objects.create(mobile="09125550000"),
        role=AgencyMembership.Role.MANAGER,
    )
    client.force_login(manager.user)
    response = client.post(
        "/book/settings/",
        {
            "book_extra_1_label": "شعبه",
            "book_extra_2_label": "",
            "book_extra_3_label": "",
            "book_extra_4_label": "كد",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        names = CrmSettings.objects.get()
    assert (names.book_extra_1_label, names.book_extra_4_label) == ("شعبه", "کد")
    body = client.get("/settings/", HTTP_HOST=PANEL).content.decode()
    assert 'id="crm-book-fields-link"' in body


def test_another_agency_reaches_nothing(client, agency, other_agency, owner):
    _fill(agency, owner, 1)
    with inside(agency):
        policy = BookPolicy.objects.get()
        customer_id = policy.customer_id
    client.force_login(owner_of(other_agency))
    for path in (f"/book/{policy.pk}/", f"/book/customer/{customer_id}/add/"):
        assert client.get(path, HTTP_HOST=PANEL).status_code == 404, path
    assert client.post(f"/book/{policy.pk}/cancel/", HTTP_HOST=PANEL).status_code == 404
    body = client.get("/book/", HTTP_HOST=PANEL).content.decode()
    assert "P-۰" not in body and "احمدی0" not in body
    with inside(agency):
        assert BookPolicy.objects.get().state == BookPolicy.State.ACTIVE


def test_the_card_section_lists_the_customers_policies(agency, owner):
    _fill(agency, owner, 2)
    with inside(agency):
        CrmSettings.objects.filter(pk=1).update(book_extra_2_label="شعبه")
        policy = BookPolicy.objects.get(number="P-1")
        card = customer_card(customer_id=policy.customer_id)
        set_urlconf("config.urls_panel")  # the card is a panel page
        try:
            with CaptureQueriesContext(connection) as captured:
                html = render_to_string("crm/book/_card_section.html", {"card": card})
        finally:
            set_urlconf(None)
    assert len(captured) == 2  # the insurers' names and the free fields' names
    assert "بیمه آسیا" in html and "P-۱" in html and "شعبه" in html
    assert f"/book/customer/{policy.customer_id}/add/" in html
