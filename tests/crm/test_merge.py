"""Merging two customers (S-6.1): everything moves to the survivor without duplicates, the
merged one keeps its history, and a merge cannot be done twice or into itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import Conflict
from core.models import AuditLog
from crm.models import (
    Activity,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    Customer,
    CustomerMerge,
    CustomerRank,
    CustomerRelation,
    Gift,
    Instrument,
)
from crm.services.contacts import AddressInput
from crm.services.customers import customer_create, customer_sms_consent_set
from crm.services.merge import customer_merge
from crm.services.relations import (
    customer_group_add,
    customer_group_create,
    customer_relation_add,
)
from tests.crm.conftest import crm_state, inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(agency, owner):
    """Ali entered twice: once with a national code and a mobile, once (with Arabic
    letters) with the same mobile, a landline, an e-mail and everything else on him."""
    with inside(agency):
        kept = customer_create(
            agency=agency,
            actor=owner,
            first_name="علی",
            last_name="کاظمی",
            phones=["09121112233"],
            addresses=[AddressInput(address="تهران، ونک", postal_code="1234567890")],
        )
        gone = customer_create(
            agency=agency,
            actor=owner,
            first_name="علي",
            last_name="كاظمي",
            national_code="3416721101",
            birth_date=dt.date(1985, 6, 1),
            job="پزشک",
            phones=["09121112233", "02188776655"],
            emails=["ali@example.com"],
            addresses=[
                AddressInput(address="تهران، ونك", postal_code="1234567890"),
                AddressInput(address="کرج، گلشهر"),
            ],
            insurance_needs=["fire"],
            allow_duplicates=True,
        )
        gone.kind = Customer.Kind.DEFINITE
        gone.save()
        spouse = customer_create(agency=agency, actor=owner, first_name="نرگس", last_name="احمدی")
        customer_relation_add(
            agency=agency, actor=owner, customer=gone, kind="spouse", related_customer=spouse
        )
        customer_relation_add(
            agency=agency, actor=owner, customer=spouse, kind="spouse", related_customer=gone
        )
        customer_relation_add(
            agency=agency, actor=owner, customer=kept, kind="friend", related_customer=gone
        )
        group = customer_group_create(agency=agency, actor=owner, name="ویژه")
        customer_group_add(agency=agency, actor=owner, customer=kept, group=group)
        customer_group_add(agency=agency, actor=owner, customer=gone, group=group)
        book = BookPolicy.objects.create(
            customer=gone,
            origin="other",
            insurer_code="asia",
            line_code="third_party",
            number="A-1",
            end_date=dt.date(2027, 1, 1),
        )
        case = Case.objects.create(customer=gone, kind="sale", title="فروش بدنه")
        Activity.objects.create(case=case, kind="call", subject="تماس")
        Complaint.objects.create(customer=gone, subject="تأخیر", text="دیر رسید")
        ClaimRecord.objects.create(customer=gone, filed_at=dt.date(2026, 1, 1))
        Gift.objects.create(customer=gone, kind="سررسید")
        Instrument.objects.create(
            customer=gone,
            book_policy=book,
            kind="cheque",
            amount=Decimal("5000000"),
            due_date=dt.date(2026, 12, 1),
        )
        ContactLog.objects.create(
            customer=gone, phone="09121112233", channel="call", direction="in"
        )
        CustomerRank.objects.create(
            customer=gone, score=Decimal("1"), band="B", computed_at="2026-01-01T00:00Z"
        )
    return kept, gone, spouse


def test_everything_moves_to_the_survivor_without_duplicates(agency, owner, pair):
    kept, gone, spouse = pair
    with inside(agency):
        merge = customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        kept.refresh_from_db()
        gone.refresh_from_db()
        assert gone.merged_into_id == kept.pk and gone.merged_at is not None
        assert kept.national_code == "3416721101"
        assert (kept.job, kept.birth_date, kept.kind) == ("پزشک", dt.date(1985, 6, 1), "definite")
        assert kept.insurance_needs == ["fire"]
        assert list(kept.phones.values_list("number", "is_primary")) == [
            ("09121112233", True),
            ("02188776655", False),
        ]
        assert kept.mobile == "09121112233"
        assert list(kept.emails.values_list("address", flat=True)) == ["ali@example.com"]
        assert sorted(kept.addresses.values_list("address", flat=True)) == [
            "تهران، ونک",
            "کرج، گلشهر",
        ]
        assert list(kept.groups.values_list("name", flat=True)) == ["ویژه"]
        for model in (BookPolicy, Case, Complaint, ClaimRecord, Gift, Instrument, ContactLog):
            assert model.objects.filter(customer=kept).count() == 1, model
            assert model.objects.filter(customer=gone).count() == 0, model
        assert Activity.objects.filter(case__customer=kept).count() == 1
        assert not CustomerRank.objects.filter(customer=gone).exists()
        # Links: gone→spouse and spouse→gone now name the survivor; kept→gone is gone.
        assert sorted(
            CustomerRelation.objects.values_list("customer_id", "related_customer_id", "kind")
        ) == sorted([(kept.pk, spouse.pk, "spouse"), (spouse.pk, kept.pk, "spouse")])
        # History: the merged customer is still there, with what it held.
        assert merge.snapshot["national_code"] == "3416721101"
        assert merge.snapshot["first_name"] == "علی"
        assert sorted(p["number"] for p in merge.snapshot["phones"]) == [
            "02188776655",
            "09121112233",
        ]
        assert merge.moved["phones"] == 1 and merge.moved["bookpolicy"] == 1
        assert merge.merged_by_user_id == owner.pk
    actions = list(
        AuditLog.objects.filter(action__in=["customer.merged", "customer.updated"])
        .order_by("id")
        .values_list("action", "target_id", "actor")
    )
    assert actions == [
        ("customer.merged", str(gone.pk), owner.pk),
        ("customer.updated", str(kept.pk), owner.pk),
    ]


def test_merging_twice_or_into_itself_is_refused_and_changes_nothing(agency, owner, pair):
    kept, gone, spouse = pair
    with inside(agency):
        with pytest.raises(ValidationError):
            customer_merge(agency=agency, actor=owner, survivor=kept, merged=kept)
        customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        before = crm_state()
        audits = AuditLog.objects.count()
        with pytest.raises(Conflict):
            customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        with pytest.raises(Conflict):
            customer_merge(agency=agency, actor=owner, survivor=gone, merged=spouse)
        assert crm_state() == before
        assert AuditLog.objects.count() == audits
        assert CustomerMerge.objects.count() == 1


def test_an_opt_out_of_either_record_survives_the_merge(agency, owner, pair):
    kept, gone, _spouse = pair
    with inside(agency):
        customer_sms_consent_set(
            agency=agency, actor=owner, customer=kept, consent=True, source="form"
        )
        customer_sms_consent_set(agency=agency, actor=owner, customer=gone, consent=False)
        customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        kept.refresh_from_db()
        assert kept.sms_consent is False
        assert kept.sms_opted_out_at is not None


def test_after_a_merge_the_national_code_is_the_survivor_s_alone(agency, owner, pair):
    kept, gone, _spouse = pair
    with inside(agency):
        customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        with pytest.raises(ValidationError) as refused:
            customer_create(
                agency=agency,
                actor=owner,
                first_name="x",
                last_name="y",
                national_code="3416721101",
                allow_duplicates=True,
            )
        assert "national_code" in refused.value.message_dict
        # Both rows hold it; only the live one counts.
        assert Customer.objects.filter(national_code="3416721101").count() == 2
