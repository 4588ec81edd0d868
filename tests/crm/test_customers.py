"""Customers (S-6.1): creating with duplicate detection (exact and fuzzy), updating, contact
points, relations, groups, consent — every write audited, refused writes change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.errors import Conflict
from core.models import AuditLog
from crm.models import (
    CrmSettings,
    Customer,
    CustomerGroupMembership,
    CustomerPhone,
    CustomerRelation,
)
from crm.selectors.customers import customer_list, customers_by_phone
from crm.selectors.duplicates import customer_duplicates, name_similarity
from crm.services.contacts import (
    AddressInput,
    PhoneInput,
    customer_address_add,
    customer_email_add,
    customer_phone_add,
    customer_phone_make_primary,
    customer_phone_remove,
)
from crm.services.customers import (
    PossibleDuplicates,
    customer_create,
    customer_sms_consent_set,
    customer_update,
)
from crm.services.relations import (
    customer_group_add,
    customer_group_create,
    customer_group_remove,
    customer_relation_add,
)
from crm.tenancy import WrongSchemaError
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.crm.conftest import crm_state, inside

pytestmark = pytest.mark.django_db


def create(agency, actor, **fields) -> Customer:
    fields.setdefault("first_name", "علی")
    fields.setdefault("last_name", "رضایی")
    return customer_create(agency=agency, actor=actor, **fields)


def test_a_customer_is_stored_normalised_with_its_contact_points_and_audited(agency, owner):
    with inside(agency):
        customer = create(
            agency,
            owner,
            first_name="علي",
            last_name="كاظمي",
            national_code="۳۴۱۶۷۲۱۱۰۱",
            birth_date=dt.date(1990, 3, 21),
            phones=["+98 912 111 2233", PhoneInput("۰۲۱-۸۸۷۷ ۶۶۵۵", label="منزل")],
            emails=[" Ali@Example.COM "],
            addresses=[AddressInput(address="تهران، خيابان آزادي", postal_code="۱۲۳۴۵۶۷۸۹۰")],
            sms_consent_source=Customer.ConsentSource.FORM,
        )
        customer.refresh_from_db()
        assert (customer.first_name, customer.last_name) == ("علی", "کاظمی")
        assert customer.national_code == "3416721101"
        assert customer.kind == Customer.Kind.PROSPECTIVE
        assert customer.source == Customer.Source.PANEL
        assert customer.mobile == "09121112233"
        assert customer.birth_jalali_month_day == 101  # 1 Farvardin
        assert customer.sms_consent is True
        assert customer.sms_consent_by_user_id == owner.pk
        assert list(customer.phones.values_list("number", "kind", "is_primary", "label")) == [
            ("09121112233", "mobile", True, ""),
            ("02188776655", "landline", False, "منزل"),
        ]
        assert list(customer.emails.values_list("address", "is_primary")) == [
            ("ali@example.com", True)
        ]
        assert list(customer.addresses.values_list("address", "postal_code", "is_primary")) == [
            ("تهران، خیابان آزادی", "1234567890", True)
        ]
        assert customer.search_key.startswith("علی\x1fکاظمی")
    log = AuditLog.objects.get(action="customer.created")
    assert (log.actor, log.agency_id, log.target_type, log.target_id) == (
        owner,
        agency.pk,
        "crm.customer",
        str(customer.pk),
    )


def test_a_national_code_held_by_another_customer_is_always_refused(agency, owner):
    with inside(agency):
        first = create(agency, owner, national_code="3416721101")
        before = crm_state()
        with pytest.raises(ValidationError) as refused:
            create(
                agency,
                owner,
                first_name="حسن",
                last_name="محمدی",
                national_code="3416721101",
                allow_duplicates=True,
            )
        assert refused.value.message_dict == {
            "national_code": [f"{first.display_name} پیش‌تر با این کد ملی ثبت شده است."]
        }
        assert crm_state() == before


def test_a_mobile_held_by_another_customer_offers_it_and_creating_anyway_is_a_choice(agency, owner):
    with inside(agency):
        first = create(agency, owner, phones=["09121112233"])
        before = crm_state()
        with pytest.raises(PossibleDuplicates) as found:
            create(agency, owner, first_name="مریم", last_name="احمدی", phones=["9121112233"])
        assert [(c.customer.pk, c.score, c.reasons) for c in found.value.candidates] == [
            (first.pk, 100, ["mobile"])
        ]
        assert crm_state() == before
        second = create(
            agency,
            owner,
            first_name="مریم",
            last_name="احمدی",
            phones=["9121112233"],
            allow_duplicates=True,
        )
        assert second.pk != first.pk
        assert Customer.objects.count() == 2


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (("علی", "کاظمی"), ("علي", "كاظمي")),  # Arabic ي and ك
        (("عبدالله", "حسن‌زاده"), ("عبد الله", "حسن زاده")),  # half-space typed as a space
        (("عبدالله", "حسن‌زاده"), ("عبدالله", "حسنزاده")),  # half-space left out
        (("محمدرضا", "رضائی"), ("محمد رضا", "رضایی")),  # ئ / ی and a space
        (("علی", "کاظمی"), ("۰علی", "کاظمی")),  # a stray digit: fuzzy, not exact
        (("فاطمه", "موسوی"), ("فاطمه", "موسوي‌")),
    ],
)
def test_the_same_name_however_typed_is_found(agency, owner, stored, typed):
    with inside(agency):
        kept = create(agency, owner, first_name=stored[0], last_name=stored[1])
        with pytest.raises(PossibleDuplicates) as found:
            create(agency, owner, first_name=typed[0], last_name=typed[1])
        [candidate] = found.value.candidates
        assert candidate.customer.pk == kept.pk
        assert candidate.reasons == ["name"]
        assert candidate.score >= 85


def test_different_people_are_not_offered_as_duplicates(agency, owner):
    with inside(agency):
        create(agency, owner, first_name="علی", last_name="رضایی", national_code="3416721101")
        create(agency, owner, first_name="مریم", last_name="کاظمی", national_code="6840388549")
        for first, last in [("حسن", "محمدی"), ("علی", "محمدی"), ("رضا", "علوی"), ("مریم", "کریمی")]:
            customer = create(agency, owner, first_name=first, last_name=last)
            assert customer.pk
        assert Customer.objects.count() == 6
        assert customer_duplicates(name="زهرا احمدی") == []


def test_name_similarity_ignores_spelling_but_not_a_different_name():
    assert name_similarity("علي كاظمي", "علی کاظمی") == 100
    assert name_similarity("کاظمی علی", "علی کاظمی") == 100
    assert name_similarity("عبد الله حسن‌زاده", "عبدالله حسنزاده") == 100
    assert name_similarity("علی رضایی", "علی محمدی") < 85


def test_a_company_has_a_valid_national_id(agency, owner):
    with inside(agency):
        with pytest.raises(ValidationError) as refused:
            customer_create(
                agency=agency,
                actor=owner,
                party=Customer.Party.COMPANY,
                company_name="شرکت نمونه",
                national_code="10100834461",
            )
        assert refused.value.message_dict == {"national_code": ["شناسه ملی این شرکت معتبر نیست."]}
        company = customer_create(
            agency=agency,
            actor=owner,
            party=Customer.Party.COMPANY,
            company_name="شرکت نمونه",
            national_code="۱۰۱۰۰۸۳۴۴۶۰",
        )
        assert company.national_code == "10100834460"
        assert company.display_name == "شرکت نمونه"


def test_update_records_old_and_new_values_and_refuses_a_taken_national_code(agency, owner):
    with inside(agency):
        other = create(agency, owner, national_code="6840388549", phones=["09120000001"])
        customer = create(agency, owner, first_name="حسن", last_name="محمدی")
        customer_update(agency=agency, actor=owner, customer=customer, job="مهندس", city="كرج")
        customer.refresh_from_db()
        assert (customer.job, customer.city) == ("مهندس", "کرج")
        log = AuditLog.objects.get(action="customer.updated")
        assert log.changes == {"job": ["", "مهندس"], "city": ["", "کرج"]}
        before = crm_state()
        with pytest.raises(ValidationError) as refused:
            customer_update(
                agency=agency, actor=owner, customer=customer, national_code="6840388549"
            )
        assert "national_code" in refused.value.message_dict
        assert crm_state() == before
        # Nothing to change: no write, no audit row.
        customer_update(agency=agency, actor=owner, customer=customer, job="مهندس")
        assert AuditLog.objects.filter(action="customer.updated").count() == 1
        assert other.pk != customer.pk


def test_phones_one_primary_mirrored_on_the_customer(agency, owner):
    with inside(agency):
        customer = create(agency, owner, phones=["02188776655"])
        assert customer.mobile == ""
        mobile = customer_phone_add(
            agency=agency, actor=owner, customer=customer, phone="09351234567"
        )
        customer.refresh_from_db()
        assert customer.mobile == "09351234567"
        assert not mobile.is_primary
        # The same number again, in another form: nothing changes.
        again = customer_phone_add(
            agency=agency, actor=owner, customer=customer, phone="+98 935 123 4567"
        )
        assert again.pk == mobile.pk
        assert customer.phones.count() == 2
        customer_phone_make_primary(agency=agency, actor=owner, phone=mobile)
        assert list(customer.phones.filter(is_primary=True).values_list("number", flat=True)) == [
            "09351234567"
        ]
        customer_phone_remove(agency=agency, actor=owner, phone=mobile)
        customer.refresh_from_db()
        assert customer.mobile == ""
        assert list(customer.phones.values_list("number", "is_primary")) == [("02188776655", True)]
    assert list(
        AuditLog.objects.filter(target_id=str(customer.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "customer.created",
        "customer.phone_added",
        "customer.phone_made_primary",
        "customer.phone_removed",
    ]


def test_emails_and_addresses_are_not_added_twice(agency, owner):
    with inside(agency):
        customer = create(agency, owner)
        customer_email_add(agency=agency, actor=owner, customer=customer, email="a@b.ir")
        customer_email_add(agency=agency, actor=owner, customer=customer, email="A@B.IR")
        home = customer_address_add(
            agency=agency,
            actor=owner,
            customer=customer,
            address=AddressInput(address="کرج، گلشهر", postal_code="3198765432"),
        )
        same = customer_address_add(
            agency=agency,
            actor=owner,
            customer=customer,
            address=AddressInput(address="كرج،  گلشهر", postal_code="۳۱۹۸۷۶۵۴۳۲"),
        )
        assert same.pk == home.pk
        assert customer.emails.count() == 1
        assert customer.addresses.count() == 1


def test_relations_link_customers_or_name_a_person(agency, owner):
    with inside(agency):
        father = create(agency, owner, first_name="حسین", last_name="رضایی")
        son = create(agency, owner, first_name="امیر", last_name="رضایی", allow_duplicates=True)
        link = customer_relation_add(
            agency=agency, actor=owner, customer=son, kind="parent", related_customer=father
        )
        again = customer_relation_add(
            agency=agency, actor=owner, customer=son, kind="parent", related_customer=father
        )
        assert again.pk == link.pk
        named = customer_relation_add(
            agency=agency,
            actor=owner,
            customer=son,
            kind="spouse",
            name="نرگس",
            mobile="۰۹۱۲۳۳۳۴۴۵۵",
        )
        assert named.mobile == "09123334455"
        with pytest.raises(ValidationError):
            customer_relation_add(
                agency=agency, actor=owner, customer=son, kind="friend", related_customer=son
            )
        with pytest.raises(ValidationError):
            customer_relation_add(agency=agency, actor=owner, customer=son, kind="friend")
        assert CustomerRelation.objects.count() == 2
        assert CustomerRelation.INVERSE[link.kind] == "child"


def test_groups(agency, owner):
    with inside(agency):
        customer = create(agency, owner)
        group = customer_group_create(agency=agency, actor=owner, name="مشتریان ویژه")
        assert customer_group_add(agency=agency, actor=owner, customer=customer, group=group)
        assert not customer_group_add(agency=agency, actor=owner, customer=customer, group=group)
        assert list(customer_list(group_id=group.pk)) == [customer]
        assert customer_group_remove(agency=agency, actor=owner, customer=customer, group=group)
        assert CustomerGroupMembership.objects.count() == 0
        with pytest.raises(ValidationError):
            customer_group_create(agency=agency, actor=owner, name="مشتریان  ويژه")


def test_consent_and_opt_out(agency, owner):
    with inside(agency):
        customer = create(agency, owner)
        assert customer.sms_consent is False
        customer_sms_consent_set(
            agency=agency, actor=owner, customer=customer, consent=True, source="verbal"
        )
        customer.refresh_from_db()
        assert (customer.sms_consent, customer.sms_consent_source) == (True, "verbal")
        customer_sms_consent_set(agency=agency, actor=owner, customer=customer, consent=False)
        customer.refresh_from_db()
        assert customer.sms_consent is False
        assert customer.sms_opted_out_at is not None


def test_search_by_name_in_any_spelling_and_by_phone_in_any_form(agency, owner):
    with inside(agency):
        ali = create(agency, owner, first_name="علی", last_name="کاظمی", phones=["09121112233"])
        create(agency, owner, first_name="مریم", last_name="احمدی", phones=["02188776655"])
        assert list(customer_list(query="كاظمي")) == [ali]
        assert list(customer_list(query="کاظ")) == [ali]
        assert list(customer_list(query="+98 (912) 111-2233")) == [ali]
        assert list(customer_list(query="۰۰۹۸۹۱۲۱۱۱۲۲۳۳")) == [ali]
        assert [c.pk for c in customers_by_phone(phone="٠٩١٢١١١٢٢٣٣")] == [ali.pk]
        assert customers_by_phone(phone="02100000000") == []
        # A local number: with the agency's area code (CRM settings) it is found.
        assert customers_by_phone(phone="88776655") == []
        CrmSettings.objects.update(default_area_code="021")
        assert [c.last_name for c in customers_by_phone(phone="8877 6655")] == ["احمدی"]
        assert customers_by_phone(phone="not a number") == []


def test_a_suspended_agency_writes_nothing(agency, owner):
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    agency.refresh_from_db()
    with inside(agency):
        before = crm_state()
        with pytest.raises(AgencyNotActive):
            create(agency, owner)
        assert crm_state() == before
    assert not AuditLog.objects.filter(action__startswith="customer.").exists()


def test_a_service_refuses_to_run_outside_its_agency_s_schema(agency, other_agency, owner):
    with inside(other_agency):
        before = crm_state()
        with pytest.raises(WrongSchemaError):
            create(agency, owner)
        assert crm_state() == before
    assert connection.schema_name == "public"
    with pytest.raises(WrongSchemaError):
        create(agency, owner)


def test_a_merged_customer_cannot_be_changed(agency, owner):
    from crm.services.merge import customer_merge

    with inside(agency):
        kept = create(agency, owner, first_name="علی", last_name="کاظمی")
        gone = create(agency, owner, first_name="علي", last_name="كاظمي", allow_duplicates=True)
        customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        with pytest.raises(Conflict):
            customer_update(agency=agency, actor=owner, customer=gone, job="x")
        assert CustomerPhone.objects.filter(customer=gone).count() == 0


def test_a_caller_lookup_is_one_query_reading_only_what_it_shows(agency, owner):
    from decimal import Decimal

    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.models import CustomerRank

    with inside(agency):
        first = create(agency, owner, first_name="علی", last_name="کاظمی", phones=["09121112233"])
        second = create(
            agency,
            owner,
            first_name="مریم",
            last_name="کاظمی",
            phones=["09120000001", "09121112233"],
            allow_duplicates=True,
        )
        CustomerRank.objects.create(
            customer=first, score=Decimal(5), band="A", computed_at=timezone.now()
        )
        with CaptureQueriesContext(connection) as queries:
            found = customers_by_phone(phone="+98 912 111 2233")
            shown = [(c.pk, c.display_name, c.kind, getattr(c, "rank", None)) for c in found]
        assert len(queries) == 1
        assert "search_key" not in queries[0]["sql"] and "notes" not in queries[0]["sql"]
        assert [row[:2] for row in shown] == [(first.pk, "علی کاظمی"), (second.pk, "مریم کاظمی")]
        assert shown[0][3].band == "A" and shown[1][3] is None
        # Any other field still reads (loaded when first asked for).
        assert found[0].birth_date is None


def test_the_lookup_statement_reads_the_lookup_fields_in_order():
    from crm.selectors import customers as selectors

    columns = selectors._BY_PHONE_SQL.split(" FROM ")[0].removeprefix("SELECT ").split(", ")
    assert columns == [f"c.{name}" for name in selectors.LOOKUP_FIELDS] + ["r.band"]
