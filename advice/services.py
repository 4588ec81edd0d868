"""Advice requests (S-8.2): post, offer in waves to the nearest eligible agencies, answer
once per agency, accept one (then both sides see each other), cancel, expire, rate.

Timing lives in the database as referrals' does (decision 011): ``due_at`` is the next
wave's time and ``expires_at`` the lapse; the beat sweep moves each due request on in its
own transaction under its row lock, re-checking that it is still due, so running it twice
does nothing twice. Every change of state goes through ``MOVES`` under the row lock and is
audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from advice.models import AdviceAnswer, AdviceOffer, AdviceRating, AdviceRequest
from core.audit import audit_record
from core.digits import to_persian_digits
from core.errors import Conflict
from core.money import RIAL_MAX_DIGITS
from core.sites import main_site_url, panel_url
from core.sms.services import sms_queue
from core.text.normalize import normalize_text
from policies.models import Line
from referrals.geo import place_centre
from referrals.selectors import agencies_within, referral_settings
from tenants.models import Agency
from tenants.services import agency_require_active, agency_status_locked

State = AdviceRequest.State

# The allowed moves: from a state, to the states it may go to.
MOVES: dict[str, frozenset[str]] = {
    State.OPEN: frozenset({State.ACCEPTED, State.CANCELLED, State.EXPIRED}),
    State.ACCEPTED: frozenset({State.CANCELLED}),
    State.CANCELLED: frozenset(),
    State.EXPIRED: frozenset(),
}

NOTE_MAX = 1000
MESSAGE_MAX = 2000
COMMENT_MAX = 1000
PREMIUM_MAX = Decimal(10) ** RIAL_MAX_DIGITS - 1


def wave_minutes() -> int:
    """How long a wave waits for a first answer before the circle widens."""
    return int(getattr(settings, "ADVICE_WAVE_MINUTES", 60))


def idle_days() -> int:
    """How long an open request lives without an accepted answer (an answer extends it)."""
    return int(getattr(settings, "ADVICE_IDLE_DAYS", 7))


class RequestMissing(ValidationError):
    """No such request for this customer, or not offered to this agency (404 at the edge)."""


def _move(
    request: AdviceRequest, new: str, *, actor: Any, now: dt.datetime, fields: tuple[str, ...] = ()
) -> None:
    """Move a locked request to ``new`` if the table allows it (else ``Conflict``), audited."""
    old = request.state
    if new not in MOVES[old]:
        raise Conflict(_("This request is %(state)s.") % {"state": request.get_state_display()})
    request.state = new
    request.due_at = None
    if new in (State.ACCEPTED, State.CANCELLED, State.EXPIRED) and request.closed_at is None:
        request.closed_at = now
    request.save(update_fields=["state", "due_at", "closed_at", *fields])
    audit_record(
        actor=actor,
        actor_label="" if actor is not None else "advice",
        action=f"advice_request.{new}",
        target=request,
        changes={"state": (old, new)},
    )


def _clean_text(value: str, *, limit: int, field: str, required: bool) -> str:
    text = normalize_text(value or "", multiline=True)
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]}, code="required")
    if len(text) > limit:
        raise ValidationError(
            {
                field: [
                    _("Write at most %(limit)s characters.") % {"limit": to_persian_digits(limit)}
                ]
            },
            code="max_length",
        )
    return text


# ---- the customer -------------------------------------------------------------------------


def advice_request_create(
    *,
    customer: Any,
    line_id: int,
    note: str = "",
    province: str = "",
    city: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    now: dt.datetime | None = None,
) -> AdviceRequest:
    """Post a request and offer it to the first wave of agencies near the customer (the
    point on the map, else the centre of the city or province named)."""
    now = now or timezone.now()
    line = Line.objects.filter(pk=line_id, is_active=True).first()
    if line is None:
        raise ValidationError({"line": [_("Choose a line that is on sale.")]}, code="line")
    note = _clean_text(note, limit=NOTE_MAX, field="note", required=False)
    province = normalize_text(province or "")[:100]
    city = normalize_text(city or "")[:100]
    if (latitude is None) != (longitude is None):
        raise ValidationError(
            {"latitude": [_("Pick your place on the map, or name your city.")]}, code="location"
        )
    if latitude is not None and longitude is not None:
        lat, lon, source = Decimal(latitude), Decimal(longitude), "map"
    else:
        centre = place_centre(city, province)
        if centre is None:
            raise ValidationError(
                {"city": [_("Pick your place on the map, or name a province capital we know.")]},
                code="location",
            )
        lat, lon, source = centre[0], centre[1], "city"
    config = referral_settings()
    plan = {
        "wave_size": config.wave_size,
        "first_radius_km": str(config.first_radius_km),
        "radius_growth": str(config.radius_growth),
        "max_waves": config.max_waves,
        "wave_minutes": wave_minutes(),
    }
    try:
        with transaction.atomic():
            request = AdviceRequest.objects.create(
                customer=customer,
                line=line,
                note=note,
                province=province,
                city=city,
                latitude=lat,
                longitude=lon,
                location_source=source,
                plan=plan,
                expires_at=now + dt.timedelta(days=idle_days()),
            )
            audit_record(
                actor=customer,
                action="advice_request.created",
                target=request,
                changes={"state": (None, State.OPEN), "line": (None, line.code)},
            )
            _wave_next(request=request, now=now)
    except IntegrityError as error:
        raise Conflict(
            _("You already have an open request on this line; cancel it to post a new one."),
            code="open_request",
        ) from error
    return request


def _locked_for_customer(*, request_id: int, customer: Any) -> AdviceRequest:
    request = (
        AdviceRequest.objects.select_for_update().filter(pk=request_id, customer=customer).first()
    )
    if request is None:
        raise RequestMissing(_("This request does not exist."), code="missing")
    return request


def advice_accept(
    *, request_id: int, customer: Any, answer_number: int, actor: Any
) -> AdviceRequest:
    """Choose one answer: from now on the customer sees that agency's code, name, phone and
    address and the agency sees the customer's name and mobile; the other agencies see the
    request closed. The chosen agency must still be active."""
    now = timezone.now()
    with transaction.atomic():
        request = _locked_for_customer(request_id=request_id, customer=customer)
        answer = (
            AdviceAnswer.objects.filter(request=request, number=answer_number)
            .select_related("agency")
            .first()
        )
        if answer is None:
            raise ValidationError({"answer": [_("Choose one of the answers.")]}, code="answer")
        if request.state != State.OPEN:
            _move(request, State.ACCEPTED, actor=actor, now=now)  # raises the Conflict
        if agency_status_locked(agency_id=answer.agency_id) != Agency.Status.ACTIVE:
            raise Conflict(
                _("This agency cannot take new customers now; choose another answer."),
                code="agency_inactive",
            )
        request.accepted_answer = answer
        _move(request, State.ACCEPTED, actor=actor, now=now, fields=("accepted_answer",))
        audit_record(
            actor=actor,
            action="advice_answer.accepted",
            target=answer,
            changes={"accepted": (False, True)},
            agency_id=answer.agency_id,
        )
        with translation.override("fa"):
            body = _(
                "A customer chose your answer to advice request %(number)s; their name and "
                "mobile are in the panel: %(url)s"
            ) % {
                "number": to_persian_digits(request.pk),
                "url": panel_url(f"/advice/{request.pk}/"),
            }
        for mobile in _agency_mobiles(answer.agency_id):
            sms_queue(to=mobile, body=body, kind="advice_accepted")
    return request


def advice_cancel(*, request_id: int, customer: Any, actor: Any) -> AdviceRequest:
    """Withdraw an open request, or end the work with the chosen agency; the customer may
    then post again."""
    with transaction.atomic():
        request = _locked_for_customer(request_id=request_id, customer=customer)
        _move(request, State.CANCELLED, actor=actor, now=timezone.now())
    return request


def advice_rate(
    *, request_id: int, customer: Any, score: int, comment: str = "", actor: Any
) -> AdviceRating:
    """Rate the chosen agency, 1 to 5, once, and only after accepting its answer."""
    comment = _clean_text(comment, limit=COMMENT_MAX, field="comment", required=False)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": [_("Give a score from 1 to 5.")]}, code="score")
    with transaction.atomic():
        request = _locked_for_customer(request_id=request_id, customer=customer)
        if request.accepted_answer_id is None:
            raise Conflict(
                _("You can rate an agency only after accepting its answer."), code="not_accepted"
            )
        if AdviceRating.objects.filter(request=request).exists():
            raise Conflict(_("You have already rated this agency."), code="rated")
        answer = AdviceAnswer.objects.get(pk=request.accepted_answer_id)
        rating = AdviceRating.objects.create(
            request=request, agency_id=answer.agency_id, score=score, comment=comment
        )
        audit_record(
            actor=actor,
            action="advice_rating.created",
            target=rating,
            changes={"score": (None, score)},
            agency_id=answer.agency_id,
        )
    return rating


# ---- the agency ---------------------------------------------------------------------------


def advice_answer(
    *,
    request_id: int,
    agency: Agency,
    actor: Any,
    message: str,
    premium: Decimal | None = None,
    now: dt.datetime | None = None,
) -> AdviceAnswer:
    """The agency's one answer to a request offered to it. A suspended agency is refused
    (``AgencyNotActive``); a second answer, or one to a closed request, is a ``Conflict``.
    The customer is texted on the request's first answer only."""
    now = now or timezone.now()
    message = _clean_text(message, limit=MESSAGE_MAX, field="message", required=True)
    if premium is not None:
        premium = Decimal(premium)
        if premium != premium.to_integral_value() or not 0 < premium <= PREMIUM_MAX:
            raise ValidationError(
                {"premium": [_("Enter the premium in whole rials, more than zero.")]},
                code="premium",
            )
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        if not AdviceOffer.objects.filter(request_id=request_id, agency=agency).exists():
            raise RequestMissing(_("This request does not exist."), code="missing")
        request = (
            AdviceRequest.objects.select_for_update().select_related("customer").get(pk=request_id)
        )
        if AdviceAnswer.objects.filter(request=request, agency=agency).exists():
            raise Conflict(_("Your agency has already answered this request."), code="answered")
        if request.state != State.OPEN:
            raise Conflict(_("This request is closed."), code="closed")
        answer = AdviceAnswer.objects.create(
            request=request,
            agency=agency,
            number=request.answers.count() + 1,
            message=message,
            premium=premium,
            answered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        changed = ["due_at", "expires_at"]
        request.due_at = None  # someone answered: the circle stops widening
        request.expires_at = max(request.expires_at, now + dt.timedelta(days=idle_days()))
        if not request.customer_notified:
            request.customer_notified = True
            changed.append("customer_notified")
            with translation.override("fa"):
                body = _("An agency has answered your advice request %(number)s: %(url)s") % {
                    "number": to_persian_digits(request.pk),
                    "url": main_site_url(f"/advice/{request.pk}/"),
                }
            sms_queue(to=request.customer.mobile, body=body, kind="advice_answered")
        request.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="advice_answer.created",
            target=answer,
            changes={"number": (None, answer.number), "premium": (None, premium)},
            agency_id=agency.pk,
        )
    return answer


# ---- waves and expiry ---------------------------------------------------------------------


def _agency_mobiles(agency_id: int) -> list[str]:
    return list(
        AgencyMembership.objects.filter(
            agency_id=agency_id,
            is_active=True,
            user__is_active=True,
            role__in=(AgencyMembership.Role.OWNER, AgencyMembership.Role.MANAGER),
        )
        .order_by("role", "id")
        .values_list("user__mobile", flat=True)
    )


def _wave_next(*, request: AdviceRequest, now: dt.datetime) -> None:
    """Offer the request to the next wave's nearest eligible agencies not yet offered it;
    waves that find nobody are skipped at once. After the last wave nothing is due."""
    plan = request.plan
    first = Decimal(plan["first_radius_km"])
    growth = Decimal(plan["radius_growth"])
    size = int(plan["wave_size"])
    offered = set(AdviceOffer.objects.filter(request=request).values_list("agency_id", flat=True))
    while request.wave < int(plan["max_waves"]):
        request.wave += 1
        radius = first * growth ** (request.wave - 1)
        nearby = agencies_within(
            latitude=request.latitude,
            longitude=request.longitude,
            radius_km=radius,
            limit=size + len(offered),
            line_id=request.line_id,
        )
        fresh = [found for found in nearby if found.agency_id not in offered][:size]
        if not fresh:
            continue
        offers = AdviceOffer.objects.bulk_create(
            AdviceOffer(
                request=request,
                agency_id=found.agency_id,
                wave=request.wave,
                distance_m=found.distance_m,
            )
            for found in fresh
        )
        with translation.override("fa"):
            for offer in offers:
                body = _(
                    "New advice request: %(line)s, %(km)s km away. Answer in the panel: %(url)s"
                ) % {
                    "line": request.line.name,
                    "km": to_persian_digits(offer.distance_km),
                    "url": panel_url(f"/advice/{request.pk}/"),
                }
                for mobile in _agency_mobiles(offer.agency_id):
                    sms_queue(to=mobile, body=body, kind="advice_offer")
        request.due_at = now + dt.timedelta(minutes=int(plan["wave_minutes"]))
        request.save(update_fields=["wave", "due_at"])
        return
    request.due_at = None
    request.save(update_fields=["wave", "due_at"])


def advice_advance(*, request_id: int, now: dt.datetime | None = None) -> bool:
    """Widen a request whose wave ran out without an answer; whether this call did it."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            AdviceRequest.objects.select_for_update(skip_locked=True)
            .select_related("line")
            .filter(pk=request_id, state=State.OPEN, due_at__lte=now)
            .first()
        )
        if request is None:
            return False
        wave_before = request.wave
        if request.answers.exists():
            request.due_at = None
            request.save(update_fields=["due_at"])
        else:
            _wave_next(request=request, now=now)
        audit_record(
            actor=None,
            actor_label="advice",
            action="advice_request.advanced",
            target=request,
            changes={"wave": (wave_before, request.wave)},
        )
    return True


def advice_expire(*, request_id: int, now: dt.datetime | None = None) -> bool:
    """Close an open request whose time is up; whether this call did it."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            AdviceRequest.objects.select_for_update(skip_locked=True)
            .filter(pk=request_id, state=State.OPEN, expires_at__lte=now)
            .first()
        )
        if request is None:
            return False
        _move(request, State.EXPIRED, actor=None, now=now)
    return True


def advice_sweep(*, now: dt.datetime | None = None) -> int:
    """Move on every due request and expire every lapsed one; how many were changed."""
    from advice.selectors import requests_due, requests_lapsed

    now = now or timezone.now()
    moved = sum(advice_advance(request_id=pk, now=now) for pk in requests_due(now=now))
    return moved + sum(advice_expire(request_id=pk, now=now) for pk in requests_lapsed(now=now))
