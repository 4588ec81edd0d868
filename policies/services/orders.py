"""Orders: from a quote through the purchase steps to payment (S-2.3). States change only here.

draft ──submit──▶ awaiting_payment ──payment verified──▶ paid ──issue──▶ issued
  ▲                  │                                      └──reject──▶ rejected
  └────edit──────────┘        draft / awaiting_payment ──cancel──▶ cancelled
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict
from core.jalali import tehran
from core.uploads import CleanFile, image_clean, pdf_clean
from core.validators import national_code_is_valid, normalize_mobile, normalize_national_code
from policies.models import Order, OrderDocument, Quote
from policies.services.events import SYSTEM, Origin, sales_event_record

State = Order.State

STEPS = ("insured", "details", "documents", "delivery", "review")
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.AWAITING_PAYMENT, State.CANCELLED}),
    State.AWAITING_PAYMENT: frozenset({State.DRAFT, State.PAID, State.CANCELLED}),
    State.PAID: frozenset({State.ISSUED, State.REJECTED}),
    State.ISSUED: frozenset(),
    State.REJECTED: frozenset(),
    State.CANCELLED: frozenset(),
}
EDITABLE = (State.DRAFT, State.AWAITING_PAYMENT)

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A photo of a document from any phone camera; decoded, that is at most 160 MB of pixels.
MAX_DOCUMENT_PIXELS = 40_000_000
DOCUMENT_TYPES = {
    # content type: (file signature, extensions)
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "application/pdf": (b"%PDF-", ("pdf",)),
}
DELIVERY_DAYS_AHEAD = 30


class OrderStateError(Conflict):
    """The order is not in a state that allows this action."""


def _now() -> dt.datetime:
    return timezone.now()


def order_transition(
    *,
    order: Order,
    to: str,
    actor: Any,
    origin: Origin = SYSTEM,
    fields: Mapping[str, Any] | None = None,
    event: str | None = None,
    data: dict[str, Any] | None = None,
) -> Order:
    """Move ``order`` to state ``to`` if the state machine allows it from its current state.

    The row is locked and re-read, so two concurrent transitions cannot both pass; the
    change is audited with its actor and every field it sets (old → new, e.g. a rejection's
    reason) and kept in the sales record.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        old = locked.state
        if to not in TRANSITIONS[old]:
            raise OrderStateError(
                _("This order is %(state)s; it cannot be changed that way.")
                % {"state": locked.get_state_display()},
                code="order_state",
            )
        changes: dict[str, Any] = {"state": to, **(fields or {})}
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action=f"order.{to}",
            target=locked,
            changes={
                name: (before[name], value)
                for name, value in changes.items()
                if before[name] != value
            },
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(
            event=event or f"order_{to}",
            order=locked,
            actor=actor,
            origin=origin,
            data={"from": old, "to": to, **(data or {})},
        )
    for name in (*changes, "updated_at"):
        setattr(order, name, getattr(locked, name))
    return order


def _editable(order: Order) -> Order:
    """Lock an order for an edit; an order awaiting payment goes back to draft (re-review)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.state not in EDITABLE:
        raise OrderStateError(
            _("This order is %(state)s and can no longer be changed.")
            % {"state": locked.get_state_display()},
            code="order_state",
        )
    return locked


def _after_edit(*, locked: Order, order: Order, actor: Any, origin: Origin, step: str) -> Order:
    if locked.state == State.AWAITING_PAYMENT:
        order_transition(
            order=locked, to=State.DRAFT, actor=actor, origin=origin, event="order_edited"
        )
    if STEPS.index(step) > (STEPS.index(locked.step) if locked.step in STEPS else -1):
        locked.step = step
        locked.save(update_fields=["step", "updated_at"])
    order.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return order


def order_start(*, quote: Quote, customer: Any, agency: Any, origin: Origin = SYSTEM) -> Order:
    """Open an order for a quote on the site it was priced on, or resume the customer's open one."""
    from policies.selectors import line_sellable

    if quote.agency_id != (agency.pk if agency else None):
        raise ValidationError(_("This quote was made on another site."), code="quote_site")
    if quote.expires_at <= _now():
        raise ValidationError(
            _("This quote has expired; please get a new one."), code="quote_expired"
        )
    if not line_sellable(line=quote.line, agency=agency):
        raise ValidationError(_("This insurance is not sold on this site."), code="line")
    with transaction.atomic():
        existing = (
            Order.objects.select_for_update()
            .filter(quote=quote, customer=customer, state__in=EDITABLE)
            .first()
        )
        if existing is not None:
            return existing
        order = Order.objects.create(
            channel=Order.Channel.AGENCY if agency else Order.Channel.MAIN,
            agency=agency,
            customer=customer,
            quote=quote,
            line=quote.line,
            tariff_version=quote.tariff_version,
            premium=quote.premium,
            breakdown=quote.breakdown,
            term_days=quote.term_days,
            step="quote",
            insured_first_name=customer.first_name,
            insured_last_name=customer.last_name,
            insured_national_code=customer.national_code,
            insured_birth_date=customer.birth_date,
            insured_mobile=customer.mobile,
        )
        audit_record(
            actor=customer,
            action="order.draft",
            target=order,
            changes={"state": (None, State.DRAFT)},
            agency_id=order.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(
            event="order_created",
            order=order,
            quote=quote,
            actor=customer,
            origin=origin,
            data={"premium": str(order.premium), "line": quote.line.code},
        )
    return order


def order_insured_save(
    *,
    order: Order,
    actor: Any,
    first_name: str,
    last_name: str,
    national_code: str,
    birth_date: dt.date | None,
    mobile: str,
    origin: Origin = SYSTEM,
) -> Order:
    """Step 1: the insured person."""
    errors: dict[str, list[str]] = {}
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not first_name:
        errors["first_name"] = [_("Enter the first name.")]
    if not last_name:
        errors["last_name"] = [_("Enter the last name.")]
    try:
        national_code = normalize_national_code(national_code)
        if not national_code_is_valid(national_code):
            raise ValidationError("invalid")
    except ValidationError:
        errors["national_code"] = [_("Enter a valid 10-digit national code.")]
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError:
        errors["mobile"] = [_("Enter a mobile number like 09121234567.")]
    today = timezone.localdate(timezone=tehran())
    if birth_date is None:
        errors["birth_date"] = [_("Enter the birth date.")]
    elif not (today - dt.timedelta(days=120 * 366) < birth_date <= today):
        errors["birth_date"] = [_("Enter a real birth date.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _editable(order)
        old = (locked.insured_national_code, locked.insured_first_name, locked.insured_last_name)
        locked.insured_first_name = first_name
        locked.insured_last_name = last_name
        locked.insured_national_code = national_code
        locked.insured_birth_date = birth_date
        locked.insured_mobile = mobile
        locked.save()
        audit_record(
            actor=actor,
            action="order.insured_saved",
            target=locked,
            changes={"insured_national_code": (old[0], national_code)},
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(event="order_insured_saved", order=locked, actor=actor, origin=origin)
        return _after_edit(locked=locked, order=order, actor=actor, origin=origin, step="insured")


def order_details_save(
    *, order: Order, actor: Any, answers: Mapping[str, Any], origin: Origin = SYSTEM
) -> Order:
    """Step 2: the line's extra data (its "details" questions), validated like a quote."""
    from policies.pricing import answers_clean

    cleaned = answers_clean(line=order.line, answers=answers, stage="details")
    with transaction.atomic():
        locked = _editable(order)
        old = locked.details
        locked.details = cleaned
        locked.save(update_fields=["details", "updated_at"])
        audit_record(
            actor=actor,
            action="order.details_saved",
            target=locked,
            changes={"details": (old, cleaned)},
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(event="order_details_saved", order=locked, actor=actor, origin=origin)
        return _after_edit(locked=locked, order=order, actor=actor, origin=origin, step="details")


def document_check(*, uploaded: UploadedFile) -> CleanFile:
    """What is kept of an uploaded document: an image decoded and written again, or a PDF
    that parses safely; its type read from its bytes and matching its name. Refuse anything
    else."""
    if uploaded.size is None or uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is larger than 5 MB; please upload a smaller one."), code="too_large"
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    name = (uploaded.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    for content_type, (signature, extensions) in DOCUMENT_TYPES.items():
        if head.startswith(signature):
            if extension not in extensions:
                break
            if content_type == "application/pdf":
                return pdf_clean(uploaded)
            return image_clean(uploaded, max_pixels=MAX_DOCUMENT_PIXELS, formats=("JPEG", "PNG"))
    raise ValidationError(
        _("Only JPG, PNG or PDF files are accepted, and the name must match the content."),
        code="file_type",
    )


def order_document_add(
    *, order: Order, actor: Any, kind: str, uploaded: UploadedFile, origin: Origin = SYSTEM
) -> OrderDocument:
    """Step 3: store one document (replacing an earlier one of the same kind)."""
    if not order.line.document_requirements.filter(code=kind).exists():
        raise ValidationError(_("This document is not asked for."), code="kind")
    clean = document_check(uploaded=uploaded)
    with transaction.atomic():
        locked = _editable(order)
        previous = list(locked.documents.filter(kind=kind))
        document = OrderDocument(
            order=locked,
            kind=kind,
            content_type=clean.content_type,
            size=clean.size,
            original_name=(uploaded.name or "")[:255],
            sha256=hashlib.sha256(clean.content).hexdigest(),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # The bytes kept are the checked ones (an image re-encoded), in private storage.
        document.file.save(f"document.{clean.extension}", clean.as_file("document"), save=False)
        document.save()
        for earlier in previous:
            storage, name = earlier.file.storage, earlier.file.name or ""
            earlier.delete()
            transaction.on_commit(partial(storage.delete, name))
        audit_record(
            actor=actor,
            action="order.document_added",
            target=locked,
            changes={"document": (None, kind)},
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(
            event="order_document_added",
            order=locked,
            actor=actor,
            origin=origin,
            data={"kind": kind, "size": document.size, "sha256": document.sha256},
        )
        _after_edit(locked=locked, order=order, actor=actor, origin=origin, step="documents")
    return document


def order_documents_missing(*, order: Order) -> list[str]:
    """Labels of the required documents not uploaded yet."""
    have = set(order.documents.values_list("kind", flat=True))
    return [
        requirement.label
        for requirement in order.line.document_requirements.filter(required=True)
        if requirement.code not in have
    ]


def order_documents_done(*, order: Order, actor: Any, origin: Origin = SYSTEM) -> Order:
    """Step 3 finished: every required document is there."""
    missing = order_documents_missing(order=order)
    if missing:
        raise ValidationError(
            _("Please upload: %(documents)s.") % {"documents": "، ".join(missing)},
            code="documents_missing",
        )
    with transaction.atomic():
        locked = _editable(order)
        return _after_edit(locked=locked, order=order, actor=actor, origin=origin, step="documents")


def delivery_dates(*, today: dt.date | None = None) -> list[dt.date]:
    """The dates a delivery can be booked for: from tomorrow, for 30 days, except Fridays."""
    today = today or timezone.localdate(timezone=tehran())
    days = (today + dt.timedelta(days=n) for n in range(1, DELIVERY_DAYS_AHEAD + 1))
    return [day for day in days if day.weekday() != 4]  # Friday is the weekend


def order_delivery_save(
    *,
    order: Order,
    actor: Any,
    method: str,
    province: str = "",
    city: str = "",
    address: str = "",
    postal_code: str = "",
    date: dt.date | None = None,
    slot: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    origin: Origin = SYSTEM,
) -> Order:
    """Step 4: how the printed policy reaches the customer, where and when."""
    from core.digits import to_latin_digits

    errors: dict[str, list[str]] = {}
    if method not in Order.Delivery.values:
        errors["method"] = [_("Choose a delivery method.")]
    elif method == Order.Delivery.AGENCY_COURIER and order.agency_id is None:
        errors["method"] = [_("Agency courier is offered on agency sites only.")]
    needs_address = method != Order.Delivery.IN_PERSON
    province, city, address = (" ".join(v.split()) for v in (province, city, address))
    postal_code = to_latin_digits(postal_code or "").replace("-", "").strip()
    if needs_address:
        if not province:
            errors["province"] = [_("Enter the province.")]
        if not city:
            errors["city"] = [_("Enter the city.")]
        if len(address) < 10:
            errors["address"] = [_("Enter the full address.")]
        if not (postal_code.isdigit() and len(postal_code) == 10):
            errors["postal_code"] = [_("Enter the 10-digit postal code.")]
    if date is None or date not in delivery_dates():
        errors["date"] = [_("Choose a date from tomorrow within 30 days (not a Friday).")]
    if slot not in Order.Slot.values:
        errors["slot"] = [_("Choose a time slot.")]
    if (latitude is None) != (longitude is None) or (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        errors["latitude"] = [_("Pick the location on the map again.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _editable(order)
        old = locked.delivery_method
        locked.delivery_method = method
        locked.delivery_province = province if needs_address else ""
        locked.delivery_city = city if needs_address else ""
        locked.delivery_address = address if needs_address else ""
        locked.delivery_postal_code = postal_code if needs_address else ""
        locked.delivery_date = date
        locked.delivery_slot = slot
        if latitude is not None:
            locked.latitude, locked.longitude = latitude, longitude
        locked.save()
        audit_record(
            actor=actor,
            action="order.delivery_saved",
            target=locked,
            changes={"delivery_method": (old, method)},
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(
            event="order_delivery_saved",
            order=locked,
            actor=actor,
            origin=origin,
            data={"method": method, "date": date.isoformat() if date else None, "slot": slot},
        )
        return _after_edit(locked=locked, order=order, actor=actor, origin=origin, step="delivery")


def order_missing_steps(*, order: Order) -> list[str]:
    """The purchase steps still to do before the order can be paid."""
    missing = []
    if not (order.insured_national_code and order.insured_first_name and order.insured_birth_date):
        missing.append("insured")
    if (
        order.line.questions.filter(stage="details", required=True)
        .exclude(code__in=list(order.details))
        .exists()
    ):
        missing.append("details")
    if order_documents_missing(order=order):
        missing.append("documents")
    # A delivery date that has passed while the order waited is asked for again.
    today = timezone.localdate(timezone=tehran())
    if not (
        order.delivery_method
        and order.delivery_date
        and order.delivery_date > today
        and order.delivery_slot
    ):
        missing.append("delivery")
    return missing


def order_submit(*, order: Order, actor: Any, origin: Origin = SYSTEM) -> Order:
    """Step 5: the customer confirmed the review; the order waits for payment."""
    missing = order_missing_steps(order=order)
    if missing:
        raise ValidationError(
            _("Some steps are not finished yet."), code="incomplete", params={"steps": missing}
        )
    if order.state == State.AWAITING_PAYMENT:
        return order
    order = order_transition(
        order=order,
        to=State.AWAITING_PAYMENT,
        actor=actor,
        origin=origin,
        fields={"submitted_at": _now(), "step": "review"},
    )
    return order


def order_cancel(*, order: Order, actor: Any, origin: Origin = SYSTEM) -> Order:
    """The customer drops an unpaid order."""
    return order_transition(
        order=order, to=State.CANCELLED, actor=actor, origin=origin, fields={"closed_at": _now()}
    )


# ---- main-site orders offered to agencies (the referrals app drives these) ----------------


def order_offer_hold(*, order_id: int) -> Order | None:
    """Keep a paid, unassigned main-site order out of the virtual branch's queue while it is
    offered to agencies. ``None`` if it is not such an order any more (issued meanwhile,
    already held, or already with an agency): the caller then leaves it alone."""
    held = Order.objects.filter(
        pk=order_id,
        channel=Order.Channel.MAIN,
        state=Order.State.PAID,
        agency__isnull=True,
        awaiting_agency=False,
    ).update(awaiting_agency=True, updated_at=timezone.now())
    if not held:
        return None
    order = Order.objects.get(pk=order_id)
    sales_event_record(event="referral_started", order=order, actor_label="referrals")
    return order


def order_offer_release(*, order_id: int, reason: str) -> bool:
    """No agency took the order: it goes to the virtual branch's queue."""
    released = Order.objects.filter(pk=order_id, awaiting_agency=True, agency__isnull=True).update(
        awaiting_agency=False, updated_at=timezone.now()
    )
    if released:
        sales_event_record(
            event="referral_fallen",
            order=Order.objects.get(pk=order_id),
            actor_label="referrals",
            data={"reason": reason},
        )
    return bool(released)
