"""Claims' services: filing and its refusals, the allowed moves under the table, the
assessment's arithmetic, documents, reminders, the two SMS and the CRM's record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimDocument, ClaimEvent
from claims.services import MOVES, assessment_amount
from core.errors import Conflict
from core.models import AuditLog, SmsMessage
from policies.models import Policy
from tests.claims.conftest import (
    add_required_documents,
    at,
    file_claim,
    move_to,
    sell,
    upload,
)
from tests.factories import create_user
from tests.files import pdf_bytes, png_html_polyglot

pytestmark = pytest.mark.django_db
State = Claim.State


def test_filing_a_claim_records_it_texts_the_customer_once_and_audits(policy, customer):
    claim = file_claim(policy)
    assert claim.state == State.FILED
    assert claim.number.startswith("C1405")
    assert claim.agency_id == policy.agency_id and claim.line_id == policy.line_id
    assert claim.insured_name == "علی رضایی"
    assert list(claim.events.values_list("event", flat=True)) == ["filed"]
    audit = AuditLog.objects.get(action="claims.filed")
    assert audit.actor == customer and audit.target_id == str(claim.pk)
    messages = SmsMessage.objects.filter(kind="claim_filed")
    assert messages.count() == 1
    assert claim.number in messages.get().body and messages.get().to == customer.mobile


def test_text_is_normalised(policy):
    claim = services.claim_file(
        policy=policy,
        customer=policy.customer,
        occurred_at=at(2),
        province="  تهران ",
        city="كرج",
        place="ميدان آزادی",
        description="تصادف\u200f با  كاميون",
    )
    claim.refresh_from_db()
    assert claim.city == "کرج" and claim.place == "میدان آزادی"
    assert claim.description == "تصادف با کامیون"


def _refused(exc, policy, **overrides):
    values = {
        "policy": policy,
        "customer": policy.customer,
        "occurred_at": at(1),
        "province": "تهران",
        "city": "تهران",
        "place": "خیابان",
        "description": "شرح",
        **overrides,
    }
    before = (Claim.objects.count(), SmsMessage.objects.count(), AuditLog.objects.count())
    with pytest.raises(exc) as refused:
        services.claim_file(**values)
    assert (Claim.objects.count(), SmsMessage.objects.count(), AuditLog.objects.count()) == before
    return " ".join(refused.value.messages)


def test_someone_elses_policy_is_refused(policy):
    _refused(ValidationError, policy, customer=create_user())


def test_a_cancelled_policy_is_refused(policy):
    Policy.objects.filter(pk=policy.pk).update(state=Policy.State.CANCELLED)
    policy.refresh_from_db()
    _refused(Conflict, policy)


def test_an_expired_policy_is_refused(motor, customer):
    expired = sell(motor, customer=customer, start_days_ago=400, days=365)
    _refused(Conflict, expired, occurred_at=at(380))


def test_an_event_outside_the_period_or_in_the_future_is_refused(policy):
    _refused(ValidationError, policy, occurred_at=at(150))
    _refused(ValidationError, policy, occurred_at=timezone.now() + dt.timedelta(hours=2))


def test_empty_fields_are_refused(policy):
    _refused(ValidationError, policy, place="  ", description="\u200c")


def test_the_same_event_twice_is_refused_and_a_rejected_one_may_be_filed_again(policy, operator):
    first = file_claim(policy, days_ago=3, hour=10)
    _refused(Conflict, policy, occurred_at=at(3, 20))  # ten hours later: the same event
    _refused(Conflict, policy, occurred_at=at(4, 12))  # twenty-two hours earlier
    second = file_claim(policy, days_ago=5, hour=10)  # two days before: another event
    assert second.pk != first.pk
    services.claim_reject(claim=first, actor=operator, reason="خارج از تعهد")
    again = file_claim(policy, days_ago=3, hour=11)
    assert again.state == State.FILED


def test_the_happy_path_moves_through_every_state_audited_with_the_actor(
    policy, operator, assessor, django_capture_on_commit_callbacks
):
    claim = file_claim(policy)
    with django_capture_on_commit_callbacks(execute=False):
        claim = move_to(claim, State.PAID, actor=operator, assessor=assessor)
    assert claim.state == State.PAID
    assert claim.assessor == assessor
    assert claim.amount == Decimal("67500000")  # (min(100m, 80m) - 5m) x 90%
    assert claim.paid_at is not None and claim.payment_reference == "PAY-1"
    actions = list(
        AuditLog.objects.filter(target_id=str(claim.pk), target_type="claims.claim")
        .order_by("id")
        .values_list("action", "actor")
    )
    moves = [action for action, actor in actions if actor == operator.pk]
    assert moves == [
        "claims.documents_complete",
        "claims.assessor_assigned",
        "claims.assessed",
        "claims.approved",
        "claims.payment_ordered",
        "claims.paid",
    ]
    events = list(claim.events.values_list("event", flat=True))
    assert events[0] == "filed" and events[-1] == "paid"


ALL_STATES = list(State.values)


@pytest.mark.parametrize("start", ALL_STATES)
def test_a_move_outside_the_table_is_refused_and_changes_nothing(start, policy, operator, assessor):
    claim = file_claim(policy)
    if start == State.REJECTED:
        claim = services.claim_reject(claim=claim, actor=operator, reason="تقلب")
    else:
        claim = move_to(claim, start, actor=operator, assessor=assessor)
    attempts = {
        State.DOCUMENTS_COMPLETE: lambda: services.claim_documents_complete(
            claim=claim, actor=operator
        ),
        State.ASSESSOR_ASSIGNED: lambda: services.claim_assessor_assign(
            claim=claim, actor=operator, assessor=assessor
        ),
        State.ASSESSED: lambda: services.claim_assess(
            claim=claim,
            actor=operator,
            damage=Decimal(1),
            sum_insured=Decimal(1),
            deductible=Decimal(0),
            ratio_percent=Decimal(100),
        ),
        State.APPROVED: lambda: services.claim_approve(claim=claim, actor=operator),
        State.REJECTED: lambda: services.claim_reject(claim=claim, actor=operator, reason="x"),
        State.PAYMENT_ORDERED: lambda: services.claim_payment_order(claim=claim, actor=operator),
        State.PAID: lambda: services.claim_mark_paid(claim=claim, actor=operator, reference="R"),
    }
    for target, attempt in attempts.items():
        if target in MOVES[start]:
            continue
        before = (
            Claim.objects.filter(pk=claim.pk).values().get(),
            AuditLog.objects.count(),
            SmsMessage.objects.count(),
            ClaimEvent.objects.count(),
        )
        with pytest.raises(Conflict):
            attempt()
        after = (
            Claim.objects.filter(pk=claim.pk).values().get(),
            AuditLog.objects.count(),
            SmsMessage.objects.count(),
            ClaimEvent.objects.count(),
        )
        assert after == before, (start, target)


def test_documents_complete_is_refused_while_a_required_document_is_missing(policy, operator):
    claim = file_claim(policy)
    services.claim_document_add(
        claim=claim, actor=claim.customer, kind="driving_licence", uploaded=upload()
    )
    with pytest.raises(ValidationError) as refused:
        services.claim_documents_complete(claim=claim, actor=operator)
    assert "کارت خودرو" in " ".join(refused.value.messages)
    assert Claim.objects.get(pk=claim.pk).state == State.FILED


def test_only_the_insurers_claims_staff_move_claims(policy, customer):
    claim = file_claim(policy)
    add_required_documents(claim)
    for actor in (customer, create_user(insurer_role="marketing")):
        with pytest.raises(PermissionError):
            services.claim_documents_complete(claim=claim, actor=actor)
    with pytest.raises(ValidationError):
        services.claim_assessor_assign(
            claim=claim, actor=create_user(insurer_role="admin"), assessor=customer
        )


@pytest.mark.parametrize(
    "damage,sum_insured,deductible,ratio,expected",
    [
        ("80000000", "100000000", "5000000", "90", "67500000"),  # damage below the cover
        ("150000000", "100000000", "5000000", "100", "95000000"),  # capped at the cover
        ("4000000", "100000000", "5000000", "100", "0"),  # below the deductible
        ("10000001", "100000000", "0", "33.33", "3333000"),  # rounded down to whole rials
        ("10000000", "10000000", "10000000", "100", "0"),
    ],
)
def test_assessment_arithmetic(damage, sum_insured, deductible, ratio, expected):
    amount = assessment_amount(
        damage=Decimal(damage),
        sum_insured=Decimal(sum_insured),
        deductible=Decimal(deductible),
        ratio_percent=Decimal(ratio),
    )
    assert amount == Decimal(expected) and isinstance(amount, Decimal)
    assert amount == amount.to_integral_value()


def test_assessment_refuses_floats_and_bad_figures(policy, operator, assessor):
    with pytest.raises(TypeError):
        assessment_amount(
            damage=1.5,  # type: ignore[arg-type]
            sum_insured=Decimal(1),
            deductible=Decimal(0),
            ratio_percent=Decimal(1),
        )
    claim = move_to(file_claim(policy), State.ASSESSOR_ASSIGNED, actor=operator, assessor=assessor)
    for bad in (
        {"damage": Decimal("-1")},
        {"damage": Decimal("1.5")},
        {"ratio_percent": Decimal("0")},
        {"ratio_percent": Decimal("120")},
    ):
        values = {
            "damage": Decimal(1000),
            "sum_insured": Decimal(1000),
            "deductible": Decimal(0),
            "ratio_percent": Decimal(100),
            **bad,
        }
        with pytest.raises(ValidationError):
            services.claim_assess(claim=claim, actor=operator, **values)
    assert Claim.objects.get(pk=claim.pk).state == State.ASSESSOR_ASSIGNED


def test_documents_are_checked_by_content_and_kind_and_kept_privately(policy, settings):
    claim = file_claim(policy)
    for kind, uploaded in (
        ("vehicle_card", upload("card.png", png_html_polyglot())),  # re-encoded
        ("police_report", upload("report.pdf", pdf_bytes())),
    ):
        document = services.claim_document_add(
            claim=claim, actor=claim.customer, kind=kind, uploaded=uploaded
        )
        assert document.file.storage.__class__.__name__ == "PrivateFileSystemStorage"
    kept = ClaimDocument.objects.get(kind="vehicle_card").file.read()
    assert b"<html" not in kept.lower()
    refusals = [
        ("not_asked", upload()),
        ("vehicle_card", upload("x.png", b"")),
        ("vehicle_card", upload("x.png", b"GIF89a not a png")),
        ("vehicle_card", upload("x.exe", b"MZ\x90\x00")),
        ("vehicle_card", upload("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1))),
    ]
    for kind, uploaded in refusals:
        with pytest.raises(ValidationError) as refused:
            services.claim_document_add(
                claim=claim, actor=claim.customer, kind=kind, uploaded=uploaded
            )
        assert any("\u0600" <= ch <= "\u06ff" for ch in " ".join(refused.value.messages))
    assert ClaimDocument.objects.count() == 2


def test_documents_cannot_be_added_once_the_assessor_has_the_claim(policy, operator, assessor):
    claim = move_to(file_claim(policy), State.ASSESSOR_ASSIGNED, actor=operator, assessor=assessor)
    before = ClaimDocument.objects.count()
    with pytest.raises(Conflict):
        services.claim_document_add(
            claim=claim, actor=claim.customer, kind="damage_photos", uploaded=upload()
        )
    assert ClaimDocument.objects.count() == before


def test_a_line_without_a_checklist_gets_the_default_one():
    codes = [item.code for item in services.checklist_for(line_code="no_such_line")]
    assert codes == ["identity_card", "damage_photos", "invoices"]
    motor = {item.code: item.required for item in services.checklist_for(line_code="third_party")}
    assert motor["driving_licence"] and motor["police_report"] and motor["damage_photos"]
    assert motor["other_party_card"] is False


def test_missing_documents_are_requested_by_sms_and_reminded_at_most_three_times(
    policy, operator, assessor
):
    claim = move_to(file_claim(policy), State.DOCUMENTS_COMPLETE, actor=operator, assessor=assessor)
    ClaimDocument.objects.filter(claim=claim, kind="police_report").delete()
    claim = services.claim_documents_request(
        claim=claim, actor=operator, note="گزارش پلیس خوانا نیست"
    )
    assert claim.state == State.FILED  # back to the customer
    asked = SmsMessage.objects.filter(kind="claim_documents")
    assert asked.count() == 1 and "گزارش پلیس" in asked.get().body
    requested = claim.missing_requested_at
    reminders = SmsMessage.objects.filter(kind="claim_reminder")
    # Not yet due.
    assert services.claim_reminders_send(now=requested + dt.timedelta(days=1)) == 0
    moment = requested + dt.timedelta(days=2, minutes=1)
    assert services.claim_reminders_send(now=moment) == 1
    assert services.claim_reminders_send(now=moment) == 0  # twice: nothing sent twice
    assert services.claim_reminders_send(now=moment + dt.timedelta(days=1)) == 0  # too soon
    for n in range(1, 5):
        services.claim_reminders_send(now=moment + dt.timedelta(days=2 * n + 0.01))
    assert reminders.count() == services.MAX_REMINDERS == 3
    assert Claim.objects.get(pk=claim.pk).reminders_sent == 3


def test_no_reminder_once_the_documents_are_in(policy, operator):
    claim = file_claim(policy)
    claim = services.claim_documents_request(claim=claim, actor=operator, note="مدارک")
    add_required_documents(claim)
    later = claim.missing_requested_at + dt.timedelta(days=3)
    assert services.claim_reminders_send(now=later) == 0
    assert not SmsMessage.objects.filter(kind="claim_reminder").exists()


def test_the_payment_order_texts_the_customer_once(policy, operator, assessor):
    claim = move_to(file_claim(policy), State.APPROVED, actor=operator, assessor=assessor)
    services.claim_payment_order(claim=claim, actor=operator)
    with pytest.raises(Conflict):
        services.claim_payment_order(claim=claim, actor=operator)
    sent = SmsMessage.objects.filter(kind="claim_payment")
    assert sent.count() == 1
    assert "۶۷٬۵۰۰٬۰۰۰" in sent.get().body or "۶۷,۵۰۰,۰۰۰" in sent.get().body
    assert SmsMessage.objects.filter(kind="claim_filed").count() == 1


def test_the_reject_reason_is_required_and_kept(policy, operator):
    claim = file_claim(policy)
    with pytest.raises(ValidationError):
        services.claim_reject(claim=claim, actor=operator, reason="  ")
    claim = services.claim_reject(claim=claim, actor=operator, reason="حادثه خارج از پوشش")
    assert claim.state == State.REJECTED and claim.rejection_reason == "حادثه خارج از پوشش"
    assert claim.events.last().note == "حادثه خارج از پوشش"


def test_claimable_from_the_policys_own_fields(policy, motor, customer):
    today = timezone.localdate()
    assert services.policy_claimable(policy, today)
    assert not services.policy_claimable(policy, policy.end_date + dt.timedelta(days=1))
    assert not services.policy_claimable(policy, policy.start_date - dt.timedelta(days=1))
    policy.state = Policy.State.CANCELLED
    assert not services.policy_claimable(policy, today)
