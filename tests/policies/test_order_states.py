"""The order state machine: transitions only through services, audited, refused ones change nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.models import AuditLog
from policies.models import Order, SalesEvent
from policies.services import orders as order_services
from policies.services.orders import TRANSITIONS, OrderStateError, order_transition
from tests.files import jpeg_bytes, pdf_bytes, png_bytes
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db
State = Order.State
ALL_PAIRS = list(itertools.product(State.values, State.values))

PNG = png_bytes()
JPEG = jpeg_bytes()
PDF = pdf_bytes()


def test_the_machine_is_exactly_the_documented_one():
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert allowed == {
        ("draft", "awaiting_payment"),
        ("draft", "cancelled"),
        ("awaiting_payment", "draft"),
        ("awaiting_payment", "paid"),
        ("awaiting_payment", "cancelled"),
        ("paid", "issued"),
        ("paid", "rejected"),
    }


@pytest.mark.parametrize(("start", "to"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_without_change(start, to, line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state=start)
    audits, events = AuditLog.objects.count(), SalesEvent.objects.count()
    if to in TRANSITIONS[start]:
        order_transition(order=order, to=to, actor=customer)
        order.refresh_from_db()
        assert order.state == to
        audit = AuditLog.objects.get(action=f"order.{to}", target_id=str(order.pk))
        assert audit.actor == customer
        assert audit.changes == {"state": [start, to]}
        assert SalesEvent.objects.filter(order=order, event=f"order_{to}").count() == 1
    else:
        with pytest.raises(OrderStateError):
            order_transition(order=order, to=to, actor=customer)
        order.refresh_from_db()
        assert order.state == start
        assert (AuditLog.objects.count(), SalesEvent.objects.count()) == (audits, events)


def test_a_stale_order_object_cannot_skip_the_machine(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state=State.AWAITING_PAYMENT)
    stale = Order.objects.get(pk=order.pk)
    order_transition(order=order, to=State.CANCELLED, actor=customer)
    with pytest.raises(OrderStateError):
        order_transition(order=stale, to=State.PAID, actor=None)
    order.refresh_from_db()
    assert order.state == State.CANCELLED


def test_submit_refuses_an_incomplete_order_and_lists_the_steps(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer)
    order.delivery_method = ""
    order.save()
    with pytest.raises(ValidationError) as error:
        order_services.order_submit(order=order, actor=customer)
    assert error.value.params == {"steps": ["documents", "delivery"]}
    order.refresh_from_db()
    assert order.state == State.DRAFT


def test_submit_then_edit_returns_the_order_to_draft(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer)
    order_services.order_document_add(
        order=order, actor=customer, kind="card", uploaded=SimpleUploadedFile("card.png", PNG)
    )
    order_services.order_submit(order=order, actor=customer)
    assert Order.objects.get(pk=order.pk).state == State.AWAITING_PAYMENT
    order_services.order_insured_save(
        order=order,
        actor=customer,
        first_name="مریم",
        last_name="احمدی",
        national_code="۰۰۱۳۵۴۲۴۱۹",
        birth_date=dt.date(1985, 5, 5),
        mobile="۰۹۱۲۱۱۱۲۲۳۳",
    )
    order.refresh_from_db()
    assert order.state == State.DRAFT
    assert (order.insured_first_name, order.insured_national_code, order.insured_mobile) == (
        "مریم",
        "0013542419",
        "09121112233",
    )


def test_insured_errors_are_all_reported_and_nothing_is_saved(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer)
    with pytest.raises(ValidationError) as error:
        order_services.order_insured_save(
            order=order,
            actor=customer,
            first_name=" ",
            last_name="x",
            national_code="1234567890",
            birth_date=None,
            mobile="123",
        )
    assert set(error.value.message_dict) == {"first_name", "national_code", "birth_date", "mobile"}
    order.refresh_from_db()
    assert order.insured_national_code == "0499370899"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("card.png", PDF, "file_type"),  # the name lies about the content
        ("card.exe", b"MZ\x90\x00" + b"\x00" * 50, "file_type"),
        ("card.pdf", PNG, "file_type"),
        ("card.jpg", b"", "empty"),
        ("card.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), "too_large"),
    ],
)
def test_a_bad_document_is_refused_and_nothing_is_stored(
    name, content, code, line, tariff, customer
):
    order = make_order(line=line, tariff=tariff, customer=customer)
    with pytest.raises(ValidationError) as error:
        order_services.order_document_add(
            order=order, actor=customer, kind="card", uploaded=SimpleUploadedFile(name, content)
        )
    assert error.value.code == code
    assert order.documents.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("a.JPG", JPEG, "image/jpeg"), ("b.png", PNG, "image/png"), ("c.pdf", PDF, "application/pdf")],
)
def test_good_documents_are_stored_per_agency(
    name, content, content_type, line, tariff, customer, agency
):
    order = make_order(line=line, tariff=tariff, customer=customer, agency=agency)
    document = order_services.order_document_add(
        order=order, actor=customer, kind="card", uploaded=SimpleUploadedFile(name, content)
    )
    assert document.content_type == content_type
    assert document.file.name.startswith(f"documents/ar685/{order.public_id}/")
    stored = document.file.read()
    assert (document.size, document.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    if content_type == "application/pdf":
        assert stored == content  # a PDF is kept as it came
    else:  # an image is kept as decoded and written again: the same picture
        with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(content)) as sent:
            assert (kept.format, kept.size) == (sent.format, sent.size)
    # A second upload of the same kind replaces the first.
    order_services.order_document_add(
        order=order, actor=customer, kind="card", uploaded=SimpleUploadedFile("d.pdf", PDF)
    )
    assert list(order.documents.values_list("content_type", flat=True)) == ["application/pdf"]


def test_delivery_rules(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer)
    friday = next(
        timezone.localdate() + dt.timedelta(days=n)
        for n in range(1, 9)
        if (timezone.localdate() + dt.timedelta(days=n)).weekday() == 4
    )
    with pytest.raises(ValidationError) as error:
        order_services.order_delivery_save(
            order=order, actor=customer, method="agency_courier", date=friday, slot="09-12"
        )
    assert set(error.value.message_dict) >= {"method", "date"}
    day = order_services.delivery_dates()[0]
    order_services.order_delivery_save(
        order=order,
        actor=customer,
        method="post",
        province="تهران",
        city="تهران",
        address="خیابان آزادی، پلاک ۱۲، واحد ۳",
        postal_code="۱۲۳۴۵-۶۷۸۹۰",
        date=day,
        slot="12-15",
    )
    order.refresh_from_db()
    assert (order.delivery_method, order.delivery_postal_code, order.delivery_date) == (
        "post",
        "1234567890",
        day,
    )


def test_cancel_then_nothing_more(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer)
    order_services.order_cancel(order=order, actor=customer)
    with pytest.raises(OrderStateError):
        order_services.order_insured_save(
            order=order,
            actor=customer,
            first_name="a",
            last_name="b",
            national_code="0013542419",
            birth_date=dt.date(1990, 1, 1),
            mobile="09121112233",
        )
