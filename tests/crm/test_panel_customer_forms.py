"""Creating and changing customers in the panel (issue 12, items 1 and 7): Persian digits
and any phone form accepted, Persian errors, the duplicate offer with "register anyway",
contact points, relations, groups, SMS consent and merging; every write audited with the
member; agency B can change nothing of agency A's."""

from __future__ import annotations

import pytest

from core.models import AuditLog
from crm.models import Customer, CustomerGroup, CustomerPhone, CustomerRelation
from tests.crm.conftest import inside, owner_of
from tests.crm.test_panel_customers import PANEL, make

pytestmark = pytest.mark.django_db

PERSON = {
    "party": "person",
    "first_name": "علي",
    "last_name": "كاظمي",
    "national_code": "۰۴۹۹۳۷۰۸۹۹",
    "mobile": "+98 912 345 6789",
    "phone": "۰۲۱-۸۸۷۷۶۶۵۵",
    "email": "Ali@Example.com",
    "birth_date": "۱۳۷۰/۰۱/۳۱",
    "preferred_channel": "sms",
    "sms_consent_source": "verbal",
}


@pytest.fixture
def owner_client(client, agency):
    client.force_login(owner_of(agency))
    return client


def post(client, path: str, data: dict):
    return client.post(path, data, HTTP_HOST=PANEL)


def test_a_person_is_registered_from_what_people_type(owner_client, agency):
    response = post(owner_client, "/crm/customers/new/", PERSON)
    assert response.status_code == 302
    with inside(agency):
        customer = Customer.objects.get()
        assert response["Location"] == f"/crm/customers/{customer.pk}/"
        assert (customer.first_name, customer.last_name) == ("علی", "کاظمی")
        assert customer.national_code == "0499370899" and customer.mobile == "09123456789"
        assert sorted(customer.phones.values_list("number", flat=True)) == [
            "02188776655",
            "09123456789",
        ]
        assert list(customer.emails.values_list("address", flat=True)) == ["ali@example.com"]
        assert customer.sms_consent and customer.sms_consent_source == "verbal"
        assert customer.source == "panel" and customer.birth_date.isoformat() == "1991-04-20"
    log = AuditLog.objects.get(action="customer.created")
    assert (log.actor, log.agency_id) == (owner_of(agency), agency.pk)


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"national_code": "1234567890"}, "national_code", "کد ملی معتبر نیست."),
        ({"last_name": ""}, "last_name", "نام خانوادگی مشتری را وارد کنید."),
        ({"mobile": "0912"}, "mobile", "شماره موبایل معتبر وارد کنید"),
        ({"phone": "12"}, "phone", "شماره تلفن معتبر"),
        (
            {"party": "company", "company_name": "شرکت نمونه", "national_code": "10100834461"},
            "national_code",
            "شناسه ملی این شرکت معتبر نیست.",
        ),
    ],
)
def test_bad_input_is_refused_in_persian_and_nothing_is_stored(
    owner_client, agency, change, field, message
):
    response = post(owner_client, "/crm/customers/new/", PERSON | change)
    assert response.status_code == 200
    assert message in response.content.decode()
    with inside(agency):
        assert not Customer.objects.exists()


def test_a_possible_duplicate_is_offered_and_can_be_registered_anyway(owner_client, agency):
    known = make(agency, first="حسن", last="نیکو", phones=["09123456789"])
    response = post(owner_client, "/crm/customers/new/", PERSON)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="crm-duplicates"' in html
    assert f'href="/crm/customers/{known.pk}/"' in html and 'id="crm-create-anyway"' in html
    with inside(agency):
        assert Customer.objects.count() == 1
    response = post(owner_client, "/crm/customers/new/", PERSON | {"create_anyway": "1"})
    assert response.status_code == 302
    with inside(agency):
        assert Customer.objects.count() == 2


def test_a_taken_national_code_is_refused_even_anyway(owner_client, agency):
    make(agency, first="حسن", last="نیکو", phones=["09120000000"], national_code="0499370899")
    response = post(owner_client, "/crm/customers/new/", PERSON | {"create_anyway": "1"})
    assert response.status_code == 200
    assert "حسن نیکو پیش‌تر با این کد ملی ثبت شده است." in response.content.decode()
    with inside(agency):
        assert Customer.objects.count() == 1


def test_edit_changes_and_audits(owner_client, agency):
    customer = make(agency)
    response = post(
        owner_client,
        f"/crm/customers/{customer.pk}/edit/",
        {
            "party": "person",
            "first_name": "رضا",
            "last_name": "رضایی",
            "preferred_channel": "phone",
            "job": "مهندس",
        },
    )
    assert response.status_code == 302
    with inside(agency):
        customer.refresh_from_db()
    assert (customer.first_name, customer.job, customer.preferred_channel) == (
        "رضا",
        "مهندس",
        "phone",
    )
    log = AuditLog.objects.get(action="customer.updated")
    assert log.actor == owner_of(agency) and log.changes["first_name"] == ["علی", "رضا"]
    page = owner_client.get(f"/crm/customers/{customer.pk}/edit/", HTTP_HOST=PANEL)
    assert page.status_code == 200 and 'value="رضا"' in page.content.decode()


def test_phones_emails_and_addresses_are_added_and_removed(owner_client, agency):
    customer = make(agency)
    base = f"/crm/customers/{customer.pk}"
    assert post(owner_client, f"{base}/phones/", {"number": "٠٢١ ٦٦٥٥ ٤٤٣٣"}).status_code == 302
    post(owner_client, f"{base}/emails/", {"email": "a@b.ir"})
    post(
        owner_client,
        f"{base}/addresses/",
        {"kind": "home", "address": "تهران، خیابان ولي‌عصر", "postal_code": "۱۲۳۴۵۶۷۸۹۰"},
    )
    with inside(agency):
        phone = customer.phones.get(number="02166554433")
        assert phone.kind == "landline"
        email = customer.emails.get()
        address = customer.addresses.get()
        assert address.postal_code == "1234567890" and "ولی" in address.address
    html = owner_client.get(f"{base}/", HTTP_HOST=PANEL).content.decode()
    assert "۰۲۱۶۶۵۵۴۴۳۳" in html and "a@b.ir" in html
    post(owner_client, f"{base}/phones/", {"action": "remove", "item": phone.pk})
    post(owner_client, f"{base}/emails/", {"action": "remove", "item": email.pk})
    post(owner_client, f"{base}/addresses/", {"action": "remove", "item": address.pk})
    with inside(agency):
        assert not CustomerPhone.objects.filter(pk=phone.pk).exists()
        assert not customer.emails.exists() and not customer.addresses.exists()
    assert (
        AuditLog.objects.filter(
            action__in=[
                "customer.phone_added",
                "customer.phone_removed",
                "customer.email_added",
                "customer.email_removed",
                "customer.address_added",
                "customer.address_removed",
            ]
        ).count()
        == 6
    )
    # A bad number comes back as a Persian message, nothing added.
    response = owner_client.post(f"{base}/phones/", {"number": "12"}, HTTP_HOST=PANEL, follow=True)
    assert "شماره تلفن معتبر" in response.content.decode()


def test_another_customers_phone_cannot_be_removed_through_this_one(owner_client, agency):
    mine = make(agency, phones=["09121110001"])
    other = make(agency, first="دیگر", last="کس", phones=["09121110002"])
    with inside(agency):
        theirs = other.phones.get()
    response = post(
        owner_client, f"/crm/customers/{mine.pk}/phones/", {"action": "remove", "item": theirs.pk}
    )
    assert response.status_code == 404
    with inside(agency):
        assert CustomerPhone.objects.filter(pk=theirs.pk).exists()


def test_relations_to_a_customer_or_by_name_and_groups_and_consent(owner_client, agency):
    customer = make(agency, phones=["09121110001"])
    spouse = make(agency, first="مریم", last="رضایی", phones=["09121110002"])
    base = f"/crm/customers/{customer.pk}"
    post(owner_client, f"{base}/relations/", {"kind": "spouse", "existing": "۰۹۱۲۱۱۱۰۰۰۲"})
    post(
        owner_client,
        f"{base}/relations/",
        {"kind": "child", "name": "سارا", "mobile": "09121110003"},
    )
    with inside(agency):
        rows = list(CustomerRelation.objects.filter(customer=customer).order_by("id"))
    assert [(r.kind, r.related_customer_id, r.name) for r in rows] == [
        ("spouse", spouse.pk, ""),
        ("child", None, "سارا"),
    ]
    html = owner_client.get(f"/crm/customers/{spouse.pk}/", HTTP_HOST=PANEL).content.decode()
    assert f'href="/crm/customers/{customer.pk}/"' in html  # seen from the other side
    response = owner_client.post(
        f"{base}/relations/",
        {"kind": "friend", "existing": "09999999999"},
        HTTP_HOST=PANEL,
        follow=True,
    )
    assert "هیچ مشتری" in response.content.decode()
    post(owner_client, f"{base}/relations/", {"action": "remove", "item": rows[1].pk})
    post(owner_client, f"{base}/groups/", {"new_group": "مشتریان ويژه"})
    with inside(agency):
        assert not CustomerRelation.objects.filter(pk=rows[1].pk).exists()
        group = CustomerGroup.objects.get()
        assert group.name == "مشتریان ویژه" and customer.groups.get() == group
    post(owner_client, f"{base}/groups/", {"action": "remove", "item": group.pk})
    post(owner_client, f"{base}/consent/", {"source": "form"})
    with inside(agency):
        assert not customer.groups.exists()
        customer.refresh_from_db()
        assert customer.sms_consent and customer.sms_consent_source == "form"
    post(owner_client, f"{base}/consent/", {"source": ""})
    with inside(agency):
        customer.refresh_from_db()
        assert not customer.sms_consent and customer.sms_opted_out_at is not None
    assert AuditLog.objects.filter(action="customer.sms_consent_changed").count() == 2


def test_merge_picks_previews_and_confirms(owner_client, agency):
    keep = make(agency, first="ماندنی", last="یکم", phones=["09121110001"])
    gone = make(agency, first="رفتنی", last="دوم", phones=["09121110002"])
    search = owner_client.get(f"/crm/customers/merge/?a={keep.pk}&qb=رفتنی", HTTP_HOST=PANEL)
    assert f'data-pick="{gone.pk}"' in search.content.decode()
    preview = owner_client.get(f"/crm/customers/merge/?a={keep.pk}&b={gone.pk}", HTTP_HOST=PANEL)
    html = preview.content.decode()
    assert 'id="crm-merge-form"' in html and "ماندنی" in html and "رفتنی" in html
    response = post(
        owner_client, "/crm/customers/merge/", {"a": keep.pk, "b": gone.pk, "keep": "a"}
    )
    assert response.status_code == 302 and response["Location"] == f"/crm/customers/{keep.pk}/"
    with inside(agency):
        gone.refresh_from_db()
        assert gone.merged_into_id == keep.pk
        assert sorted(keep.phones.values_list("number", flat=True)) == [
            "09121110001",
            "09121110002",
        ]
    assert AuditLog.objects.filter(action="customer.merged", actor=owner_of(agency)).exists()


def test_agency_b_changes_nothing_of_agency_a(client, agency, other_agency):
    for n in range(3):
        make(agency, first="پرکننده", last=f"{n}", phones=[f"0912777000{n}"])
    mine = make(agency, first="محرمانه", last="الف", phones=["09127770009"])
    client.force_login(owner_of(other_agency))
    base = f"/crm/customers/{mine.pk}"
    for path, data in [
        (f"{base}/edit/", {"party": "person", "last_name": "x", "preferred_channel": "sms"}),
        (f"{base}/phones/", {"number": "09120000000"}),
        (f"{base}/emails/", {"email": "x@y.ir"}),
        (f"{base}/addresses/", {"kind": "home", "address": "x"}),
        (f"{base}/relations/", {"kind": "friend", "name": "x"}),
        (f"{base}/groups/", {"new_group": "x"}),
        (f"{base}/consent/", {"source": "form"}),
    ]:
        assert post(client, path, data).status_code == 404, path
    assert client.get(f"{base}/edit/", HTTP_HOST=PANEL).status_code == 404
    merge = client.get(f"/crm/customers/merge/?a={mine.pk}", HTTP_HOST=PANEL).content.decode()
    assert "محرمانه" not in merge
    with inside(agency):
        mine.refresh_from_db()
        assert mine.last_name == "الف" and mine.phones.count() == 1
