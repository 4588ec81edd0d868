"""Definite customers and the book from the public ledger (S-6.1, S-6.2): the receiver only
enqueues, the task runs in the selling agency's schema alone, twice changes nothing, and the
backfill fans out per agency and is idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.models import AuditLog
from crm import receivers
from crm.models import BookPolicy, Customer, CustomerPhone
from crm.services.customers import customer_create
from crm.services.ledger import ledger_backfill, ledger_policies_sync
from crm.tasks import crm_ledger_backfill, crm_policy_sync
from policies.models import Policy
from policies.signals import policy_issued
from tests.crm.conftest import crm_state, inside, sell
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def test_the_receiver_only_enqueues_for_the_selling_agency(agency, sale_line, monkeypatch):
    sent = []
    monkeypatch.setattr(receivers, "enqueue", lambda task, *args: sent.append((task, args)))
    policy = sell(agency, sale_line)
    policy_issued.send(sender=Policy, policy=policy)
    assert sent == [(crm_policy_sync, (agency.schema_name, policy.pk))]
    with inside(agency):
        assert crm_state()["crm.Customer"] == []
        assert crm_state()["crm.BookPolicy"] == []


def test_a_main_site_policy_of_no_agency_is_nobody_s(sale_line, monkeypatch):
    sent = []
    monkeypatch.setattr(receivers, "enqueue", lambda task, *args: sent.append(args))
    policy = sell(None, sale_line)
    policy_issued.send(sender=Policy, policy=policy)
    assert sent == []


def test_a_sale_makes_a_definite_customer_and_a_book_row(agency, sale_line):
    buyer = create_user(mobile="09121112233", national_code="0499370899")
    policy = sell(agency, sale_line, buyer=buyer, address="خیابان ولیعصر، پلاک ۱۰")
    policy_issued.send(sender=Policy, policy=policy)  # eager in tests: the task runs
    assert connection.schema_name == "public"
    with inside(agency):
        customer = Customer.objects.get()
        assert (customer.kind, customer.source) == ("definite", "ledger")
        assert (customer.first_name, customer.last_name) == ("علی", "رضایی")
        assert customer.national_code == "0499370899"
        assert customer.mobile == "09121112233"
        assert customer.user_id == buyer.pk
        assert customer.birth_date == dt.date(1990, 1, 1)
        assert customer.birth_jalali_month_day == 1011  # 11 Dey
        assert (customer.sms_consent, customer.sms_consent_source) == (True, "purchase")
        assert list(customer.phones.values_list("number", "is_primary")) == [("09121112233", True)]
        assert list(customer.addresses.values_list("address", "postal_code", "is_primary")) == [
            ("خیابان ولیعصر، پلاک ۱۰", "1234567890", True)
        ]
        book = BookPolicy.objects.get()
        assert (book.origin, book.policy_id, book.order_id) == (
            "ledger",
            policy.pk,
            policy.order_id,
        )
        assert (book.number, book.line_code, book.premium, book.state) == (
            policy.number,
            "crm_motor",
            Decimal("12345000"),
            "active",
        )
        assert (book.start_date, book.end_date) == (policy.start_date, policy.end_date)
        assert book.plate == "22ج456-11"
        assert book.delivery_method == "in_person"
        assert book.delivery_time == dt.time(9)
        assert book.delivery_address.address == "خیابان ولیعصر، پلاک ۱۰"
    log = AuditLog.objects.get(action="customer.created_from_ledger")
    assert (log.actor_id, log.actor_label, log.agency_id) == (None, "crm", agency.pk)
    assert log.changes == {"policy": [None, policy.number]}


def test_the_task_twice_changes_nothing(agency, sale_line):
    policy = sell(agency, sale_line)
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        before = crm_state()
    audits = AuditLog.objects.count()
    assert crm_policy_sync.delay(agency.schema_name, policy.pk).get() == 0
    with inside(agency):
        assert crm_state() == before
    assert AuditLog.objects.count() == audits


def test_a_known_prospect_is_matched_by_national_code_then_mobile(agency, owner, sale_line):
    with inside(agency):
        by_code = customer_create(
            agency=agency,
            actor=owner,
            first_name="علی",
            last_name="رضایی",
            national_code="0499370899",
        )
        by_mobile = customer_create(
            agency=agency, actor=owner, first_name="مریم", last_name="احمدی", phones=["09351234567"]
        )
    first = sell(agency, sale_line, mobile="09120000000")
    second = sell(
        agency,
        sale_line,
        national_code="3416721101",
        mobile="09351234567",
        first_name="مريم",
        last_name="احمدي",
    )
    crm_policy_sync.delay(agency.schema_name, first.pk)
    crm_policy_sync.delay(agency.schema_name, second.pk)
    with inside(agency):
        assert Customer.objects.count() == 2
        by_code.refresh_from_db()
        by_mobile.refresh_from_db()
        assert by_code.kind == by_mobile.kind == "definite"
        assert by_mobile.national_code == "3416721101"  # it had none: taken from the order
        assert by_code.source == "panel"  # where they came from stays
        assert list(by_code.phones.values_list("number", flat=True)) == ["09120000000"]
        assert BookPolicy.objects.get(policy_id=first.pk).customer_id == by_code.pk
        assert BookPolicy.objects.get(policy_id=second.pk).customer_id == by_mobile.pk
    assert AuditLog.objects.filter(action="customer.made_definite").count() == 2


def test_a_shared_mobile_with_another_national_code_is_another_person(agency, owner, sale_line):
    with inside(agency):
        parent = customer_create(
            agency=agency,
            actor=owner,
            first_name="حسین",
            last_name="رضایی",
            national_code="6840388549",
            phones=["09351234567"],
        )
    policy = sell(agency, sale_line, national_code="3416721101", mobile="09351234567")
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        child = BookPolicy.objects.get().customer
        assert child.pk != parent.pk
        assert child.national_code == "3416721101"
        assert CustomerPhone.objects.filter(number="09351234567").count() == 2


def test_a_sale_of_agency_a_never_reaches_agency_b(agency, other_agency, sale_line):
    policy = sell(agency, sale_line)
    with inside(other_agency):
        before = crm_state()
    # Even sent to the wrong schema, the task touches only the policies of its agency.
    crm_policy_sync.delay(other_agency.schema_name, policy.pk)
    with inside(other_agency):
        assert crm_state() == before
        assert ledger_policies_sync(agency=other_agency, policy_ids=[policy.pk]).policies == 0
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        assert BookPolicy.objects.count() == 1
    with inside(other_agency):
        assert crm_state() == before


def test_two_agencies_with_the_same_national_code_each_see_their_own(
    agency, other_agency, sale_line
):
    mine = sell(agency, sale_line, premium="1000")
    theirs = sell(other_agency, sale_line, premium="2000", first_name="علي")
    crm_policy_sync.delay(agency.schema_name, mine.pk)
    crm_policy_sync.delay(other_agency.schema_name, theirs.pk)
    for owner_agency, policy in ((agency, mine), (other_agency, theirs)):
        with inside(owner_agency):
            customer = Customer.objects.get(national_code="0499370899")
            assert list(customer.book.values_list("policy_id", flat=True)) == [policy.pk]


def test_a_cancelled_policy_is_cancelled_in_the_book(agency, sale_line):
    policy = sell(agency, sale_line)
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    Policy.objects.filter(pk=policy.pk).update(state=Policy.State.CANCELLED)
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        assert BookPolicy.objects.get().state == "cancelled"
        before = crm_state()
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        assert crm_state() == before


# --- backfill --------------------------------------------------------------------------


def _sales(agency, sale_line, count: int) -> list[Policy]:
    """``count`` policies: every third one the same person again (by national code), the
    rest different people; issued a minute apart."""
    start = timezone.now() - dt.timedelta(days=30)
    codes = ["3416721101", "6840388549", "2143044321", "4451956838", "2374184048"]
    policies = []
    for index in range(count):
        policies.append(
            sell(
                agency,
                sale_line,
                national_code="0499370899" if index % 3 == 0 else codes[index % len(codes)],
                issued_at=start + dt.timedelta(minutes=index),
            )
        )
    return policies


def test_the_backfill_brings_every_sale_in_batches_and_twice_changes_nothing(agency, sale_line):
    policies = _sales(agency, sale_line, 13)
    with inside(agency):
        result = ledger_backfill(agency=agency, batch_size=5)
        assert (result.policies, result.book_added) == (13, 13)
        assert sorted(BookPolicy.objects.values_list("policy_id", flat=True)) == sorted(
            p.pk for p in policies
        )
        assert Customer.objects.filter(national_code="0499370899").get().book.count() == 5
        assert Customer.objects.count() == len({p.order.insured_national_code for p in policies})
        before = crm_state()
    audits = AuditLog.objects.count()
    with inside(agency):
        again = ledger_backfill(agency=agency, batch_size=5)
        assert (again.policies, again.book_added, again.customers_created) == (13, 0, 0)
        assert crm_state() == before
    assert AuditLog.objects.count() == audits


def test_a_backfill_message_sends_the_rest_on_with_its_cursor(agency, sale_line, monkeypatch):
    from crm import tasks

    _sales(agency, sale_line, 7)
    monkeypatch.setattr(tasks, "BACKFILL_BATCHES_PER_TASK", 1)
    monkeypatch.setattr(tasks, "BACKFILL_BATCH_SIZE", 3)
    followed = []
    real = tasks.enqueue

    def follow(task, *args):
        followed.append(args[2][1])
        return real(task, *args)

    monkeypatch.setattr(tasks, "enqueue", follow)
    crm_ledger_backfill.delay(agency.schema_name)
    assert len(followed) == 2  # 3 + 3 + 1: two messages after the first
    with inside(agency):
        assert BookPolicy.objects.count() == 7


def test_the_command_fans_out_one_task_per_agency(agency, other_agency, sale_line, monkeypatch):
    sell(agency, sale_line)
    sell(other_agency, sale_line, national_code="3416721101")
    sent = []
    original = crm_ledger_backfill.apply_async

    def record(args, kwargs, countdown=None):
        sent.append(args[0])
        return original(args=args, kwargs=kwargs, countdown=countdown)

    monkeypatch.setattr(crm_ledger_backfill, "apply_async", record)
    out = StringIO()
    call_command("crm_backfill", stdout=out)
    assert out.getvalue() == "2 agencies: one backfill task each sent\n"
    assert sorted(sent) == sorted([agency.schema_name, other_agency.schema_name])
    for each in (agency, other_agency):
        with inside(each):
            assert BookPolicy.objects.count() == 1
    with inside(agency):
        before = crm_state()
    call_command("crm_backfill", "--agency", str(agency.code), stdout=StringIO())
    with inside(agency):
        assert crm_state() == before


def test_ledger_text_stored_unnormalised_is_normalised_on_the_way_in(agency, sale_line):
    """The batch writes its rows with its own INSERT: the fields' normalising still runs."""
    policy = sell(agency, sale_line, address="خیابان ولیعصر، پلاک ۱۰")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policies_order SET insured_first_name = %s, insured_last_name = %s, "
            "delivery_address = %s WHERE id = %s",
            ["  علي ", "كريمي", "خيابان  ولیعصر", policy.order_id],
        )
    with inside(agency):
        ledger_policies_sync(agency=agency, policy_ids=[policy.pk])
        customer = Customer.objects.get()
        assert (customer.first_name, customer.last_name) == ("علی", "کریمی")
        assert Customer.objects.filter(search_key__contains="کریمی").exists()
        address = customer.addresses.get()
        assert address.address == "خیابان ولیعصر"
        assert BookPolicy.objects.get().delivery_address_id == address.pk
    log = AuditLog.objects.get(action="customer.created_from_ledger")
    assert log.changes == {"policy": [None, policy.number]}
