"""The panel's customer list and card (issue 12, items 1 and 7): search in any spelling or
phone form, filters, pages, the rank band; a card with everything on one page; constant
query counts; agency B never reaches agency A's customers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgencyMembership
from crm.models import (
    Activity,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    Customer,
    CustomerRank,
    Gift,
    Instrument,
    PanelSale,
)
from crm.services.customers import customer_create, customer_sms_consent_set
from crm.services.relations import (
    customer_group_add,
    customer_group_create,
    customer_relation_add,
    marketer_create,
    region_create,
)
from tests.crm.conftest import inside, owner_of
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


def make(agency, *, first="علی", last="رضایی", phones=("09121110000",), **extra) -> Customer:
    with inside(agency):
        return customer_create(
            agency=agency,
            actor=owner_of(agency),
            first_name=first,
            last_name=last,
            phones=list(phones),
            allow_duplicates=True,
            **extra,
        )


def listed(client, query: str = "") -> list[int]:
    html = client.get(f"/crm/customers/{query}", HTTP_HOST=PANEL).content.decode()
    return [int(pk) for pk in re.findall(r'<tr data-customer="(\d+)"', html)]


@pytest.fixture
def owner_client(client, agency):
    client.force_login(owner_of(agency))
    return client


def test_the_nav_entry_replaces_policies_customers(owner_client):
    html = owner_client.get("/", HTTP_HOST=PANEL).content.decode()
    assert 'id="nav-panel-crm-customers" ' in html or 'id="nav-panel-crm-customers">' in html
    assert 'href="/crm/customers/"' in html
    assert 'id="nav-panel-customers"' not in html


def test_search_by_persian_spelling_partial_name_national_code_and_any_phone_form(
    owner_client, agency
):
    ali = make(
        agency, first="علي", last="كريمي", phones=["09121112233"], national_code="0499370899"
    )
    other = make(agency, first="مینا", last="یاری", phones=["02188776655"])
    # Arabic ي/ك typed, Persian stored; a part of the name; the code; mobiles in every form.
    assert listed(owner_client, "?q=علی کریمی") == [ali.pk]
    assert listed(owner_client, "?q=کریم") == [ali.pk]
    assert listed(owner_client, "?q=۰۴۹۹۳۷۰۸۹۹") == [ali.pk]
    for form in ("+989121112233", "00989121112233", "9121112233", "۰۹۱۲ ۱۱۱ ۲۲۳۳", "٠٩١٢١١١٢٢٣٣"):
        assert listed(owner_client, f"?q={form.replace('+', '%2B')}") == [ali.pk], form
    assert listed(owner_client, "?q=021-8877 6655") == [other.pk]
    assert listed(owner_client, "?q=ناشناس") == []


def test_filters_alone_and_together(owner_client, agency):
    owner = owner_of(agency)
    with inside(agency):
        region = region_create(agency=agency, actor=owner, name="منطقه ۱")
        marketer = marketer_create(
            agency=agency, actor=owner, first_name="رضا", last_name="بازاریاب"
        )
        group = customer_group_create(agency=agency, actor=owner, name="خودرو")
    a = make(agency, first="الف", last="یکم", phones=["09120000001"], region=region)
    b = make(agency, first="ب", last="دوم", phones=["09120000002"], marketer=marketer)
    c = make(agency, first="پ", last="سوم", phones=["09120000003"])
    with inside(agency):
        customer_group_add(agency=agency, actor=owner, customer=c, group=group)
        customer_sms_consent_set(
            agency=agency, actor=owner, customer=b, consent=True, source="verbal"
        )
        Customer.objects.filter(pk=a.pk).update(kind="definite")
        CustomerRank.objects.create(
            customer=c, score=Decimal(9), band="A", computed_at=timezone.now()
        )
    assert listed(owner_client, "?kind=definite") == [a.pk]
    assert set(listed(owner_client, "?kind=prospective")) == {b.pk, c.pk}
    assert listed(owner_client, f"?region={region.pk}") == [a.pk]
    assert listed(owner_client, f"?marketer={marketer.pk}") == [b.pk]
    assert listed(owner_client, f"?group={group.pk}") == [c.pk]
    assert listed(owner_client, "?band=A") == [c.pk]
    assert listed(owner_client, "?sms=yes") == [b.pk]
    assert set(listed(owner_client, "?sms=no")) == {a.pk, c.pk}
    assert listed(owner_client, f"?group={group.pk}&band=A&kind=prospective") == [c.pk]
    assert listed(owner_client, f"?group={group.pk}&kind=definite") == []
    # Nonsense in a filter is ignored, never an error.
    assert set(listed(owner_client, "?kind=x&band=Z&group=abc&sms=maybe")) == {a.pk, b.pk, c.pk}
    html = owner_client.get("/crm/customers/?band=A", HTTP_HOST=PANEL).content.decode()
    assert 'data-band="A"' in html


def test_pages_keep_the_filters(owner_client, agency):
    for n in range(32):
        make(agency, first="نفر", last=f"شماره {n}", phones=[f"0912000{n:04d}"])
    html = owner_client.get("/crm/customers/?q=نفر", HTTP_HOST=PANEL).content.decode()
    following = _next_link(html)
    assert following is not None and "q=%D9%86%D9%81%D8%B1" in following
    first = listed(owner_client, "?q=نفر")
    second = listed(owner_client, following)
    assert len(first) == 30 and len(second) == 2 and not set(first) & set(second)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/crm/customers/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries)


def test_the_list_makes_as_many_queries_for_30_customers_as_for_1(owner_client, agency):
    owner = owner_of(agency)
    with inside(agency):
        region = region_create(agency=agency, actor=owner, name="شمال")
        marketer = marketer_create(agency=agency, actor=owner, last_name="احمدی")
    make(agency, first="یک", last="نفر", region=region, marketer=marketer)
    _list_queries(owner_client)  # the first request warms the session and caches
    one = _list_queries(owner_client)
    for n in range(29):
        customer = make(
            agency,
            first="چند",
            last=f"نفر {n}",
            phones=[f"0913000{n:04d}"],
            region=region,
            marketer=marketer,
        )
        with inside(agency):
            CustomerRank.objects.create(
                customer=customer, score=Decimal(n), band="B", computed_at=timezone.now()
            )
    assert _list_queries(owner_client) == one
    assert one <= 12


def _fill(agency, customer, staff_id: int, times: int, start: int = 0) -> None:
    owner = owner_of(agency)
    with inside(agency):
        for n in range(start, start + times):
            BookPolicy.objects.create(
                customer=customer,
                origin="other",
                insurer_code="asia",
                insurer_name="آسیا",
                line_code="fire",
                number=f"OTHER-{n}",
                end_date=dt.date(2027, 1, 1),
                premium=Decimal("1000000"),
            )
            case = Case.objects.create(
                customer=customer, kind="sale", title=f"فروش {n}", assignee_user_id=staff_id
            )
            Case.objects.create(
                customer=customer, kind="service", title=f"پنهان {n}", assignee_user_id=owner.pk
            )
            Activity.objects.create(
                case=case, kind="call", subject=f"تماس {n}", assignee_user_id=staff_id
            )
            Complaint.objects.create(customer=customer, subject=f"شکایت {n}", text="دیر")
            ClaimRecord.objects.create(
                customer=customer, number=f"CL-{n}", filed_at=dt.date(2026, 5, 1)
            )
            Instrument.objects.create(
                customer=customer,
                kind="cheque",
                amount=Decimal("5000000"),
                due_date=dt.date(2026, 12, 30),
                number=f"CH-{n}",
            )
            ContactLog.objects.create(
                customer=customer, channel="call", direction="in", by_user_id=staff_id
            )
            Gift.objects.create(customer=customer, kind=f"تقویم {n}")
            PanelSale.objects.create(
                customer=customer,
                order_id=900000 + customer.pk * 100 + n,
                order_public_id=uuid.uuid4(),
                quote_id=1,
                line_code="fire",
                premium=Decimal("2000000"),
            )
            other = customer_create(
                agency=agency,
                actor=owner,
                first_name="همسر",
                last_name=f"شماره {n}",
                allow_duplicates=True,
            )
            customer_relation_add(
                agency=agency, actor=owner, customer=customer, kind="spouse", related_customer=other
            )
            customer_relation_add(
                agency=agency, actor=owner, customer=other, kind="child", related_customer=customer
            )


def _card_queries(client, customer) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/crm/customers/{customer.pk}/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_card_shows_everything_with_constant_queries(owner_client, agency):
    customer = make(agency, first="کاوه", last="کارت", phones=["09124440000", "02166554433"])
    owner = owner_of(agency)
    _fill(agency, customer, owner.pk, 1)
    _card_queries(owner_client, customer)  # the first request warms the session and caches
    few, html = _card_queries(owner_client, customer)
    for section in (
        "details",
        "contact-points",
        "relations",
        "groups",
        "rank",
        "book",
        "sales",
        "work",
        "cases",
        "complaints",
        "claims",
        "gifts",
        "instruments",
        "timeline",
    ):
        assert f'id="card-{section}"' in html, section
    assert "OTHER-۰" in html and "آسیا" in html
    assert "۰۹۱۲۴۴۴۰۰۰۰" in html and "۰۲۱۶۶۵۵۴۴۳۳" in html
    assert "همسر شماره 0" in html or "همسر شماره ۰" in html
    assert "data-related-from=" in html  # the other side of a relation
    assert "شکایت 0" in html and "CL-۰" in html and "تقویم 0" in html
    # The other parts' actions: a case, complaint, claim, gift, cheque and sale for this customer.
    for url in ("new/", "complaint/", "claim/", "gift/"):
        assert f"/cases/customer/{customer.pk}/{url}" in html, url
    assert f"/sell/customers/{customer.pk}/" in html
    assert 'id="card-case-new"' in html and 'id="instrument-add"' in html
    assert 'id="sale-new"' in html and 'data-sale="' in html
    assert f"/book/customer/{customer.pk}/add/" in html  # add an other-insurer policy
    for kind in ("contact", "case", "policy", "complaint", "claim", "cheque", "sale"):
        assert f'data-timeline="{kind}"' in html, kind
    _fill(agency, customer, owner.pk, 6, start=1)
    many, _html = _card_queries(owner_client, customer)
    assert many == few
    # Session, agency and membership, the customer and its 16 lists, names of lines and
    # people, the sales' orders and policies, the book's insurers and free fields, and the
    # agency's SMS to the customer (messaging's timeline source, decision 039).
    assert few == 31


def test_staff_see_only_their_own_cases_on_the_card(client, agency):
    staff = create_user(first_name="سارا", last_name="کارمند")
    AgencyMembership.objects.create(user=staff, agency=agency, role=AgencyMembership.Role.STAFF)
    customer = make(agency)
    _fill(agency, customer, staff.pk, 1)
    client.force_login(staff)
    with inside(agency):
        # As on the case pages: a case of someone else holding an activity given to staff.
        shared = Case.objects.create(
            customer=customer, kind="meeting", title="جلسه مشترک", assignee_user_id=None
        )
        Activity.objects.create(
            case=shared, kind="call", subject="تماس سارا", assignee_user_id=staff.pk
        )
        Complaint.objects.create(
            customer=customer, subject="شکایت ارجاعی", text="دیر", referred_to_user_id=staff.pk
        )
    html = client.get(f"/crm/customers/{customer.pk}/", HTTP_HOST=PANEL).content.decode()
    assert "فروش 0" in html and "پنهان 0" not in html
    assert "جلسه مشترک" in html and "تماس سارا" in html
    assert "شکایت ارجاعی" in html and "شکایت 0" not in html


def test_a_merged_customers_card_leads_to_the_survivor(owner_client, agency):
    from crm.services.merge import customer_merge

    keep = make(agency, first="ماندگار", last="یک", phones=["09125550001"])
    gone = make(agency, first="رفته", last="دو", phones=["09125550002"])
    with inside(agency):
        customer_merge(agency=agency, actor=owner_of(agency), survivor=keep, merged=gone)
    response = owner_client.get(f"/crm/customers/{gone.pk}/", HTTP_HOST=PANEL)
    assert response.status_code == 302 and response["Location"] == f"/crm/customers/{keep.pk}/"


def test_agency_b_never_reaches_agency_as_customers(client, agency, other_agency):
    """Both agencies hold the same national code: each sees only its own card; A's ids
    answer 404 to B."""
    for n in range(3):
        make(agency, first="پرکننده", last=f"{n}", phones=[f"0912777000{n}"])
    mine = make(agency, first="محرمانه", last="الف", national_code="0499370899")
    theirs = make(other_agency, first="دیگری", last="ب", national_code="0499370899")
    client.force_login(owner_of(other_agency))
    assert client.get(f"/crm/customers/{mine.pk}/", HTTP_HOST=PANEL).status_code == 404
    own = client.get(f"/crm/customers/{theirs.pk}/", HTTP_HOST=PANEL).content.decode()
    assert "دیگری" in own and "محرمانه" not in own
    listing = client.get("/crm/customers/?q=0499370899", HTTP_HOST=PANEL).content.decode()
    assert "محرمانه" not in listing and "دیگری" in listing


def _next_link(html: str) -> str | None:
    found = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', html)
    return "?" + found.group(1).replace("&amp;", "&") if found else None


def test_a_search_counts_only_up_to_the_cap_and_the_pages_reach_all(
    owner_client, agency, monkeypatch
):
    from crm.panel import customers as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 5)
    made = [
        make(agency, first="نفر", last=f"شماره {n}", phones=[f"0912000{n:04d}"]) for n in range(8)
    ]
    make(agency, first="یگانه", last="تنها", phones=["09130001111"])
    with CaptureQueriesContext(connection) as queries:
        html = owner_client.get("/crm/customers/?q=نفر", HTTP_HOST=PANEL).content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]
    assert 'id="crm-customers-capped"' in html and "۵" in html
    # Keyset pages: "Next" reaches all eight, newest first, each once (past the cap too).
    seen: list[str] = []
    query: str | None = "?q=نفر"
    while query is not None:
        html = owner_client.get(f"/crm/customers/{query}", HTTP_HOST=PANEL).content.decode()
        seen += re.findall(r'<tr data-customer="(\d+)"', html)
        query = _next_link(html)
        assert len(seen) <= 8
    assert seen == [
        str(c.pk) for c in sorted(made, key=lambda c: (c.created_at, c.pk), reverse=True)
    ]
    # Under the cap the count is exact; without a filter nothing is counted.
    html = owner_client.get("/crm/customers/?q=یگانه", HTTP_HOST=PANEL).content.decode()
    assert 'id="crm-customers-capped"' not in html and listed(owner_client, "?q=یگانه")
    assert 'id="crm-customers-matches"' in html and "۱" in html
    with CaptureQueriesContext(connection) as queries:
        html = owner_client.get("/crm/customers/", HTTP_HOST=PANEL).content.decode()
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert 'id="crm-customers-capped"' not in html and 'id="crm-customers-matches"' not in html
