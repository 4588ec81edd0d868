"""The book's services: another insurer's policy added, changed and cancelled with Persian
refusals that change nothing; a policy sold here changes only in delivery and free fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.errors import Conflict
from core.models import AuditLog
from crm.models import BookPolicy, CrmSettings
from crm.selectors.book import book_list, free_fields, insurer_choices
from crm.services.book import (
    book_free_fields_name,
    book_policy_update,
    other_policy_cancel,
    other_policy_create,
)
from crm.services.contacts import AddressInput
from crm.services.customers import customer_create
from crm.services.ledger import ledger_policies_sync
from crm.tenancy import WrongSchemaError
from tests.crm.book_fixtures import book_catalogue  # noqa: F401
from tests.crm.conftest import crm_state, inside, sell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("book_catalogue")]


def _customer(agency, actor, **fields):
    fields.setdefault("first_name", "مریم")
    fields.setdefault("last_name", "احمدی")
    return customer_create(agency=agency, actor=actor, **fields)


def _add(agency, actor, customer, **fields):
    fields.setdefault("insurer_code", "iran")
    fields.setdefault("line_code", "third_party")
    fields.setdefault("number", "۱۲۳۴۵-۶۷")
    fields.setdefault("start_date", dt.date(2026, 3, 21))
    fields.setdefault("end_date", dt.date(2027, 3, 20))
    return other_policy_create(agency=agency, actor=actor, customer=customer, **fields)


def test_the_insurers_are_the_quote_forms_without_no_previous_policy():
    with translation.override("fa"):
        assert insurer_choices() == [
            ("iran", "بیمه ایران"),
            ("asia", "بیمه آسیا"),
            ("dana", "بیمه دانا"),
            ("other", "سایر"),
        ]


def test_another_insurers_policy_is_added_normalised_and_audited(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        policy = _add(agency, owner, customer, premium="8500000", insurer_name="ignored")
        policy.refresh_from_db()
        assert policy.origin == BookPolicy.Origin.OTHER
        assert policy.number == "12345-67"
        assert policy.insurer_code == "iran" and policy.insurer_name == ""
        assert policy.premium == Decimal("8500000")
        assert policy.state == BookPolicy.State.ACTIVE
        assert policy.created_by_user_id == owner.pk
    audit = AuditLog.objects.get(action="book.added")
    assert audit.actor == owner and audit.agency_id == agency.pk
    assert audit.target_type == "crm.bookpolicy" and audit.target_id == str(policy.pk)
    assert audit.changes["number"] == [None, "12345-67"]


@pytest.mark.parametrize(
    "fields,errors",
    [
        ({"insurer_code": "nobody"}, {"insurer_code": ["بیمه‌گر را از فهرست انتخاب کنید."]}),
        ({"insurer_code": "other"}, {"insurer_name": ["نام بیمه‌گر دیگر را وارد کنید."]}),
        ({"line_code": "life"}, {"line_code": ["رشتهٔ بیمه را از فهرست انتخاب کنید."]}),
        ({"number": ""}, {"number": ["شمارهٔ بیمه‌نامه را وارد کنید."]}),
        ({"end_date": None}, {"end_date": ["تاریخ پایان را وارد کنید."]}),
        (
            {"end_date": dt.date(2026, 1, 1)},
            {"end_date": ["تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد."]},
        ),
        ({"premium": -1}, {"premium": ["حق بیمه نمی‌تواند منفی باشد."]}),
        ({"premium": "abc"}, {"premium": ["حق بیمه را به ریال وارد کنید."]}),
        ({"delivery_method": "drone"}, {"delivery_method": ["روش تحویل را انتخاب کنید."]}),
    ],
)
def test_a_bad_policy_is_refused_in_persian_and_nothing_changes(agency, owner, fields, errors):
    with inside(agency):
        customer = _customer(agency, owner)
        before = crm_state()
        with translation.override("fa"), pytest.raises(ValidationError) as refused:
            _add(agency, owner, customer, **fields)
        assert refused.value.message_dict == errors
        assert crm_state() == before


def test_the_same_policy_twice_is_refused(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        _add(agency, owner, customer, number="A-1")
        with translation.override("fa"), pytest.raises(ValidationError) as refused:
            _add(agency, owner, customer, number="A-1")
        assert refused.value.message_dict == {
            "number": ["این بیمه‌نامهٔ این بیمه‌گر و رشته از پیش در دفتر هست."]
        }
        # Another insurer may use the same number.
        _add(agency, owner, customer, number="A-1", insurer_code="other", insurer_name="بیمه ما")
        assert BookPolicy.objects.count() == 2


def test_delivery_to_another_customers_address_is_refused(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        other = _customer(
            agency,
            owner,
            first_name="رضا",
            last_name="کریمی",
            addresses=[AddressInput(city="تهران", address="خیابان آزادی، پلاک ۱")],
        )
        with translation.override("fa"), pytest.raises(ValidationError) as refused:
            _add(agency, owner, customer, delivery_address=other.addresses.get())
        assert refused.value.message_dict == {
            "delivery_address": ["نشانی تحویل از نشانی‌های این مشتری نیست."]
        }


def test_an_update_is_audited_with_old_and_new(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        policy = _add(agency, owner, customer)
        book_policy_update(
            agency=agency,
            actor=owner,
            policy=policy,
            end_date=dt.date(2027, 4, 1),
            delivery_method="courier",
            extra_1="شعبه ۲",
        )
        policy.refresh_from_db()
        assert policy.end_date == dt.date(2027, 4, 1)
        assert policy.delivery_method == "courier" and policy.extra_1 == "شعبه ۲"
        # Nothing new: no audit row.
        book_policy_update(agency=agency, actor=owner, policy=policy, extra_1="شعبه ۲")
    audit = AuditLog.objects.get(action="book.updated")
    assert audit.changes["end_date"] == ["2027-03-20", "2027-04-01"]
    assert audit.changes["delivery_method"] == ["", "courier"]


def test_a_policy_sold_here_changes_only_in_delivery_and_free_fields(agency, owner, sale_line):
    policy = sell(agency, sale_line)
    with inside(agency):
        ledger_policies_sync(agency=agency, policy_ids=[policy.pk])
        row = BookPolicy.objects.get(policy_id=policy.pk)
        book_policy_update(
            agency=agency, actor=owner, policy=row, delivery_method="in_person", extra_2="x"
        )
        row.refresh_from_db()
        assert (row.delivery_method, row.extra_2) == ("in_person", "x")
        before = crm_state()
        with translation.override("fa"), pytest.raises(Conflict):
            book_policy_update(agency=agency, actor=owner, policy=row, number="999")
        with translation.override("fa"), pytest.raises(Conflict):
            other_policy_cancel(agency=agency, actor=owner, policy=row)
        assert crm_state() == before


def test_cancel_once(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        policy = _add(agency, owner, customer)
        other_policy_cancel(agency=agency, actor=owner, policy=policy)
        policy.refresh_from_db()
        assert policy.state == BookPolicy.State.CANCELLED and policy.state_changed_at
        with translation.override("fa"), pytest.raises(Conflict) as refused:
            other_policy_cancel(agency=agency, actor=owner, policy=policy)
        assert refused.value.messages == ["این بیمه‌نامه پیش‌تر باطل شده است."]
    assert AuditLog.objects.filter(action="book.cancelled").count() == 1


def test_outside_the_agencys_schema_nothing_is_written(agency, other_agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
    with inside(other_agency), pytest.raises(WrongSchemaError):
        _add(agency, owner, customer)


def test_the_free_fields_are_named_and_listed(agency, owner):
    with inside(agency):
        book_free_fields_name(agency=agency, actor=owner, labels=["کد بازاریاب", "", "شعبه", ""])
        assert [(f.name, f.label) for f in free_fields()] == [
            ("extra_1", "کد بازاریاب"),
            ("extra_3", "شعبه"),
        ]
        assert CrmSettings.objects.get().book_extra_3_label == "شعبه"
    assert AuditLog.objects.filter(action="book.free_fields_named").count() == 1


def test_the_list_filters(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner, national_code="0499370899")
        soon = _add(agency, owner, customer, number="1", end_date=dt.date(2026, 12, 1))
        later = _add(
            agency, owner, customer, number="2", line_code="fire", end_date=dt.date(2027, 6, 1)
        )
        asia = _add(agency, owner, customer, number="9001", insurer_code="asia")
        assert list(book_list()) == [soon, asia, later]
        assert list(book_list(line_code="fire")) == [later]
        assert list(book_list(insurer_code="asia")) == [asia]
        assert list(book_list(expires_to=dt.date(2027, 1, 1))) == [soon]
        assert list(book_list(query="۹۰۰۱")) == [asia]
        assert set(book_list(query="احمدی")) == {soon, later, asia}
        assert list(book_list(origin="ledger")) == []
