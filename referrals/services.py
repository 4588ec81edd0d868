"""Referral of paid main-site orders (S-3.1–S-3.4): waves of offers to the nearest eligible
agencies, the first acceptance wins, and after the last wave the virtual branch.

Timing lives in the database, not in the broker: each open referral carries ``due_at`` and
a beat task sweeps the due ones (decision 011). Each step runs in one transaction under the
referral's row lock and checks that it is still due, so a worker killed half-way leaves no
trace and the next sweep does the step once.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache, partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core.audit import audit_record
from core.digits import to_persian_digits
from core.jalali import tehran
from core.money import format_rials
from core.queue import enqueue
from core.sites import panel_url
from core.sms.services import sms_queue
from policies.models import Order
from policies.services.orders import order_offer_hold, order_offer_release
from referrals.geo import place_centre
from referrals.models import Offer, Referral, ReferralEvent, ReferralSettings
from referrals.selectors import agencies_within, referral_settings
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_require_active, agency_status_locked

ModelT = TypeVar("ModelT", bound=models.Model)


class OfferGone(ValidationError):
    """The offer can no longer be accepted: taken by another agency, expired or withdrawn."""


def _event(
    referral: Referral | None,
    order_id: int,
    kind: str,
    *,
    wave: int = 0,
    agency: Agency | None = None,
    actor: Any = None,
    data: dict | None = None,
) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        order_id=order_id,
        kind=kind,
        wave=wave,
        agency=agency,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data=data or {},
    )


def _location(order: Order) -> tuple[Decimal, Decimal, str] | None:
    if order.latitude is not None and order.longitude is not None:
        return order.latitude, order.longitude, "map"
    centre = place_centre(order.delivery_city, order.delivery_province)
    if centre is not None:
        return centre[0], centre[1], "city"
    return None


def referral_start(*, order_id: int, now: dt.datetime | None = None) -> Referral | None:
    """Start referring a paid main-site order and send its first wave.

    Safe to call twice (a repeated signal or task): an order already held or referred is
    left as it is and its referral returned.
    """
    now = now or timezone.now()
    existing = Referral.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    config = referral_settings()
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.channel != Order.Channel.MAIN or order.agency_id is not None:
        return None
    if not config.enabled:
        _event(None, order_id, ReferralEvent.Kind.SKIPPED, data={"reason": "disabled"})
        return None
    location = _location(order)
    if location is None:
        _event(None, order_id, ReferralEvent.Kind.SKIPPED, data={"reason": "no_location"})
        return None
    with transaction.atomic():
        held = order_offer_hold(order_id=order_id)
        if held is None:
            return Referral.objects.filter(order_id=order_id).first()
        referral = Referral.objects.create(
            order=held,
            plan=config.as_plan(),
            latitude=location[0],
            longitude=location[1],
            location_source=location[2],
        )
        _event(referral, order_id, ReferralEvent.Kind.STARTED, data=referral.plan)
        _wave_next(referral=referral, order=held, now=now)
    return referral


def referral_advance(*, referral_id: int, now: dt.datetime | None = None) -> bool:
    """Move a referral whose wave time is up to its next wave, or to the virtual branch.

    Returns whether this call did it; a referral not due, already moved on, accepted, or
    locked by another worker doing the same is left alone.
    """
    now = now or timezone.now()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(skip_locked=True)
            .filter(pk=referral_id, state=Referral.State.OPEN, due_at__lte=now)
            .first()
        )
        if referral is None:
            return False
        wave_before = referral.wave
        expired = []
        for offer in referral.offers.filter(state=Offer.State.WAITING).select_related("agency"):
            expired.append(offer.pk)
            offer.state = Offer.State.EXPIRED
            offer.answered_at = now
            offer.save(update_fields=["state", "answered_at"])
            _event(
                referral,
                referral.order_id,
                ReferralEvent.Kind.EXPIRED,
                wave=offer.wave,
                agency=offer.agency,
            )
        _wave_next(referral=referral, order=referral.order, now=now)
        audit_record(
            actor=None,
            actor_label="referrals",
            action="referral.advanced",
            target=referral,
            changes={
                "wave": (wave_before, referral.wave),
                "state": (Referral.State.OPEN, referral.state),
                "expired_offers": (expired, []),
            },
        )
    return True


def referrals_sweep(*, now: dt.datetime | None = None) -> int:
    """Move on every referral whose time has come; how many were moved."""
    from referrals.selectors import referrals_due

    now = now or timezone.now()
    return sum(
        referral_advance(referral_id=referral_id, now=now) for referral_id in referrals_due(now=now)
    )


# A paid order's referral normally starts within a second of the payment; one that has not
# after this long was never sent to a worker. Older orders are left to the virtual branch.
MISSED_START_AFTER = dt.timedelta(minutes=1)
MISSED_START_WITHIN = dt.timedelta(days=1)


def referrals_start_missed(*, now: dt.datetime | None = None) -> int:
    """Start the referrals that the payment could not hand to a worker (the broker was
    down then); how many were started. Safe to run at any time: ``referral_start`` leaves an
    order already referred, held or taken as it is."""
    from referrals.selectors import orders_never_referred

    now = now or timezone.now()
    order_ids = orders_never_referred(
        paid_after=now - MISSED_START_WITHIN, paid_before=now - MISSED_START_AFTER
    )
    return sum(referral_start(order_id=order_id, now=now) is not None for order_id in order_ids)


def _plan(referral: Referral) -> ReferralSettings:
    """The settings the referral started with (later changes apply to later referrals)."""
    plan = referral.plan
    return ReferralSettings(
        wave_size=plan["wave_size"],
        first_radius_km=Decimal(plan["first_radius_km"]),
        radius_growth=Decimal(plan["radius_growth"]),
        offer_minutes=plan["offer_minutes"],
        max_waves=plan["max_waves"],
    )


def _wave_next(*, referral: Referral, order: Order, now: dt.datetime) -> None:
    """Offer the order to the next wave's agencies; waves that find nobody are skipped at
    once; after the last one the order goes to the virtual branch."""
    plan = _plan(referral)
    while referral.wave < plan.max_waves:
        referral.wave += 1
        radius = plan.radius_km(referral.wave)
        nearby = agencies_within(
            latitude=referral.latitude,
            longitude=referral.longitude,
            radius_km=radius,
            limit=plan.wave_size,
            line_id=order.line_id,
            referral_id=referral.pk,
        )
        _event(
            referral,
            order.pk,
            ReferralEvent.Kind.WAVE,
            wave=referral.wave,
            data={"radius_km": str(radius), "agencies": len(nearby)},
        )
        if not nearby:
            continue
        expires = now + dt.timedelta(minutes=plan.offer_minutes)
        agencies = Agency.objects.in_bulk([found.agency_id for found in nearby])
        offers = Offer.objects.bulk_create(
            Offer(
                referral=referral,
                agency_id=found.agency_id,
                wave=referral.wave,
                distance_m=found.distance_m,
                expires_at=expires,
            )
            for found in nearby
        )
        for offer in offers:
            agency = agencies[offer.agency_id]
            _event(
                referral,
                order.pk,
                ReferralEvent.Kind.OFFERED,
                wave=referral.wave,
                agency=agency,
                data={"distance_m": offer.distance_m},
            )
            _offer_sms(agency=agency, order=order, offer=offer)
        referral.due_at = expires
        referral.save(update_fields=["wave", "due_at"])
        return
    referral.state = Referral.State.FALLEN
    referral.due_at = None
    referral.closed_at = now
    referral.save(update_fields=["wave", "state", "due_at", "closed_at"])
    _event(referral, order.pk, ReferralEvent.Kind.FALLEN, wave=referral.wave)
    order_offer_release(order_id=order.pk, reason="no_agency_accepted")
    audit_record(
        actor=None,
        actor_label="referrals",
        action="referral.fallen",
        target=referral,
        changes={"state": (Referral.State.OPEN, Referral.State.FALLEN)},
    )


def _agency_mobiles(agency: Agency) -> list[str]:
    return list(
        AgencyMembership.objects.filter(
            agency=agency,
            is_active=True,
            user__is_active=True,
            role__in=(AgencyMembership.Role.OWNER, AgencyMembership.Role.MANAGER),
        )
        .order_by("role", "id")
        .values_list("user__mobile", flat=True)
    )


def _offer_sms(*, agency: Agency, order: Order, offer: Offer) -> None:
    """Text the agency's owners and managers: line, distance, premium, deadline, link."""
    with translation.override("fa"):
        deadline = timezone.localtime(offer.expires_at, tehran()).strftime("%H:%M")
        body = _(
            "New order offer: %(line)s, %(km)s km away, premium %(premium)s rials. "
            "Accept before %(deadline)s: %(url)s"
        ) % {
            "line": order.line.name,
            "km": to_persian_digits(offer.distance_km),
            "premium": to_persian_digits(format_rials(order.premium)),
            "deadline": to_persian_digits(deadline),
            "url": panel_url("/offers/"),
        }
    for mobile in _agency_mobiles(agency):
        sms_queue(to=mobile, body=body, kind="referral_offer", agency_id=agency.pk)


# The race is decided here, in one statement. The referral row is locked with SKIP LOCKED
# and updated only while ``state = 'open'``: one transaction gets through; any other that
# comes while it holds the row is refused at once instead of queueing behind it, and any
# that comes after it committed finds the state changed. The same statement marks the
# offer accepted (only if still waiting and in time), withdraws the others, gives the order
# to the agency (only while it is paid, unassigned and on offer; this is the only place an
# order on offer is given to an agency, decision 064) and writes the referral's events of
# all of it; it returns the rows it changed, so nothing is read again (decision 058). A
# loser's statement changes nothing and writes nothing. A winner then writes its audit rows
# and sales-record row in one more statement, and the customer's SMS (decision 064).
# The accepting agency's row is read FOR SHARE (as ``agency_require_active`` does): a
# suspension being written is waited for and its status seen, and a suspension that comes
# later waits for this acceptance to commit; only an active agency wins.
def _columns(alias: str, model: type[models.Model]) -> str:
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


_DECIDE_SQL = f"""
WITH mine AS (
    SELECT o.referral_id, o.state, o.expires_at, a.status AS agency_status
    FROM referrals_offer o JOIN tenants_agency a ON a.id = o.agency_id
    WHERE o.id = %(offer)s AND o.agency_id = %(agency)s
    FOR SHARE OF a
), target AS (
    SELECT r.id FROM referrals_referral r JOIN mine ON r.id = mine.referral_id
    WHERE r.state = 'open' AND mine.state = 'waiting' AND mine.expires_at > %(now)s
      AND mine.agency_status = 'active'
    FOR UPDATE OF r SKIP LOCKED
), won AS (
    UPDATE referrals_referral r
    SET state = 'accepted', agency_id = %(agency)s, closed_at = %(now)s, due_at = NULL
    FROM target
    WHERE r.id = target.id
    RETURNING {_columns("r", Referral)}
), taken AS (
    UPDATE referrals_offer o
    SET state = 'accepted', answered_at = %(now)s, answered_by_id = %(user)s
    FROM won
    WHERE o.id = %(offer)s AND o.referral_id = won.id AND o.state = 'waiting'
      AND o.expires_at > %(now)s
    RETURNING {_columns("o", Offer)}
), withdrawn AS (
    UPDATE referrals_offer o
    SET state = 'withdrawn', answered_at = %(now)s
    FROM won, taken
    WHERE o.referral_id = won.id AND o.state = 'waiting' AND o.id <> taken.id
    RETURNING o.agency_id, o.wave
), assigned AS (
    UPDATE policies_order p
    SET agency_id = %(agency)s, awaiting_agency = false, updated_at = %(now)s
    FROM won, taken
    WHERE p.id = won.order_id AND p.awaiting_agency AND p.agency_id IS NULL
      AND p.state = 'paid'
    RETURNING {_columns("p", Order)}
), events AS (
    INSERT INTO referrals_referralevent
        (referral_id, order_id, kind, wave, agency_id, actor_id, data, created_at)
    SELECT won.id, won.order_id, 'accepted', taken.wave, %(agency)s::bigint, %(user)s::bigint,
        '{{}}'::jsonb, %(now)s
    FROM won, taken, assigned
    UNION ALL
    SELECT won.id, won.order_id, 'withdrawn', withdrawn.wave, withdrawn.agency_id, NULL::bigint,
        '{{}}'::jsonb, %(now)s
    FROM won, withdrawn, assigned
    RETURNING id
)
SELECT
    (SELECT count(*) FROM mine),
    (SELECT count(*) FROM won),
    (SELECT count(*) FROM taken),
    (SELECT count(*) FROM assigned),
    (SELECT count(*) FROM events),
    (SELECT mine.state = 'waiting' AND mine.expires_at > %(now)s FROM mine),
    (SELECT r.state FROM referrals_referral r JOIN mine ON r.id = mine.referral_id),
    (SELECT agency_status FROM mine),
    (SELECT u.mobile FROM accounts_user u JOIN assigned ON u.id = assigned.customer_id),
    taken.*, won.*, assigned.*
FROM (SELECT 1) AS one
    LEFT JOIN taken ON true LEFT JOIN won ON true LEFT JOIN assigned ON true
"""  # noqa: S608 - no user text: the columns are the models', every value a parameter
_DECIDE_FIGURES = 9

# What a winner records besides the referral's events, in one statement of its own (a
# loser's deciding statement stays as small as it was): the two audit rows audit_record
# would write (the referral accepted, the order given to the agency) and the sales-record
# row sales_event_record would write (decision 064).
_RECORD_SQL = """
WITH audited AS (
    INSERT INTO core_auditlog
        (actor_id, actor_label, action, target_type, target_id, agency_id, changes, created_at)
    VALUES
        (%(user)s, %(label)s, 'referral.accepted', %(referral_type)s, %(referral)s,
            %(agency)s, %(accepted)s::jsonb, %(now)s),
        (%(user)s, %(label)s, 'order.agency_assigned', %(order_type)s, %(order)s,
            %(agency)s, %(assigned)s::jsonb, %(now)s)
    RETURNING id
)
INSERT INTO policies_salesevent
    (event, order_id, agency_id, actor_id, actor_label, user_agent, data, created_at)
VALUES
    ('agency_assigned', %(order)s::bigint, %(agency)s, %(user)s, %(label)s, '',
        %(sales)s::jsonb, %(now)s)
"""


@cache
def _field_converters(model: type[models.Model]) -> tuple[list[str], list[tuple[Any, list]]]:
    """The attribute names of ``model``'s columns and each column's converters from database
    values, looked up once per process (an acceptance builds three instances)."""
    fields = model._meta.concrete_fields
    return (
        [field.attname for field in fields],
        [(field, field.get_db_converters(connection)) for field in fields],
    )


def _from_row(model: type[ModelT], values: tuple | list) -> ModelT:
    """An instance of ``model`` from its columns as a statement returned them (in the order
    of ``_columns``), converted as a query would convert them."""
    names, converters = _field_converters(model)
    converted = []
    for (field, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def offer_accept(*, offer_id: int, agency: Agency, actor: Any) -> Offer:
    """Take the order of an offer: the first agency to get here wins, every other offer of
    the order is withdrawn at once and the customer is told who will serve them. A
    suspended or pending agency is refused (``AgencyNotActive``) and changes nothing.
    Returns the accepted offer with its referral and order (as they are now) attached."""
    now = timezone.now()
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _DECIDE_SQL, {"offer": offer_id, "agency": agency.pk, "now": now, "user": user_id}
            )
            row = cursor.fetchone()
        (mine, won, taken, assigned, _events, in_time, referral_state, agency_status, mobile) = row[
            :_DECIDE_FIGURES
        ]
        if not mine:
            raise OfferGone(_("This offer does not exist."), code="missing")
        if agency_status != Agency.Status.ACTIVE:
            raise AgencyNotActive(agency_status)
        if not won:
            if referral_state == Referral.State.OPEN and in_time:
                # Another agency holds the order this very moment; if its acceptance does
                # not go through, the offer is still here to accept.
                raise OfferGone(_("Another agency has already taken this order."), code="busy")
            if referral_state != Referral.State.OPEN:
                raise OfferGone(_("Another agency has already taken this order."), code="taken")
            raise OfferGone(_("This offer has expired."), code="expired")
        if not taken:  # expired a moment ago; raising rolls the referral back to open
            raise OfferGone(_("This offer has expired."), code="expired")
        if not assigned:  # the order left the offer (cancelled); raising undoes it all
            raise OfferGone(_("This order is no longer on offer."), code="gone")
        offer_end = _DECIDE_FIGURES + len(Offer._meta.concrete_fields)
        referral_end = offer_end + len(Referral._meta.concrete_fields)
        offer = _from_row(Offer, row[_DECIDE_FIGURES:offer_end])
        referral = _from_row(Referral, row[offer_end:referral_end])
        order = _from_row(Order, row[referral_end:])
        referral.order = order
        offer.referral, offer.agency = referral, agency
        with connection.cursor() as cursor:
            cursor.execute(
                _RECORD_SQL,
                {
                    "user": user_id,
                    "label": str(actor) if user_id is not None else "system",
                    "referral_type": Referral._meta.label_lower,
                    "referral": str(referral.pk),
                    "order_type": Order._meta.label_lower,
                    "order": str(order.pk),
                    "agency": agency.pk,
                    "accepted": json.dumps(
                        {
                            "state": [Referral.State.OPEN, Referral.State.ACCEPTED],
                            "agency": [None, agency.pk],
                        }
                    ),
                    "assigned": json.dumps({"agency": [None, agency.pk]}),
                    "sales": json.dumps({"agency": agency.code, "offer": offer.pk}),
                    "now": now,
                },
            )
        with translation.override("fa"):
            body = _("Your order %(number)s will be served by %(agency)s, phone %(phone)s.") % {
                "number": to_persian_digits(order.number),
                "agency": agency.name,
                "phone": to_persian_digits(agency.phone or "-"),
            }
        sms_queue(to=mobile, body=body, kind="referral_accepted", agency_id=agency.pk)
    return offer


def offer_decline(*, offer_id: int, agency: Agency, actor: Any) -> Offer:
    """Say no to an offer; when nobody of the wave is left waiting, the next wave is due now.
    A suspended or pending agency is refused (``AgencyNotActive``) and changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        offer = Offer.objects.filter(pk=offer_id, agency=agency).first()
        if offer is None:
            raise OfferGone(_("This offer does not exist."), code="missing")
        declined = Offer.objects.filter(pk=offer.pk, state=Offer.State.WAITING).update(
            state=Offer.State.DECLINED, answered_at=now, answered_by=actor
        )
        if not declined:
            raise OfferGone(_("This offer is no longer waiting for an answer."), code="gone")
        _event(
            offer.referral,
            offer.referral.order_id,
            ReferralEvent.Kind.DECLINED,
            wave=offer.wave,
            agency=agency,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="offer.declined",
            target=offer,
            changes={"state": (Offer.State.WAITING, Offer.State.DECLINED)},
            agency_id=agency.pk,
        )
        # The last answer of the wave brings the next wave forward.
        brought_forward = (
            Referral.objects.filter(pk=offer.referral_id, state=Referral.State.OPEN)
            .exclude(offers__state=Offer.State.WAITING)
            .update(due_at=now)
        )
        if brought_forward:
            referral_id = offer.referral_id
            transaction.on_commit(lambda: _advance_soon(referral_id))
    offer.refresh_from_db()
    return offer


def agency_offers_withdraw(*, agency_id: int, now: dt.datetime | None = None) -> int:
    """Withdraw the waiting offers of an agency that was suspended or set pending, so that
    no order waits for an answer that cannot come; a wave left with no offer waiting moves
    on at once. Safe to run twice, and does nothing once the agency is active again.
    Returns how many offers were withdrawn."""
    now = now or timezone.now()
    referral_ids = (
        Offer.objects.filter(agency_id=agency_id, state=Offer.State.WAITING)
        .values_list("referral_id", flat=True)
        .distinct()
    )
    withdrawn = 0
    for referral_id in list(referral_ids):
        with transaction.atomic():
            # Agency row first, then the referral's: the order an acceptance locks them in.
            status = agency_status_locked(agency_id=agency_id)
            if status in (None, Agency.Status.ACTIVE):
                return withdrawn
            referral = (
                Referral.objects.select_for_update()
                .filter(pk=referral_id, state=Referral.State.OPEN)
                .first()
            )
            if referral is None:
                continue
            offers = list(
                referral.offers.select_for_update().filter(
                    agency_id=agency_id, state=Offer.State.WAITING
                )
            )
            for offer in offers:
                offer.state = Offer.State.WITHDRAWN
                offer.answered_at = now
                offer.save(update_fields=["state", "answered_at"])
                _event(
                    referral,
                    referral.order_id,
                    ReferralEvent.Kind.WITHDRAWN,
                    wave=offer.wave,
                    agency=offer.agency,
                    data={"agency_status": status},
                )
                audit_record(
                    actor=None,
                    actor_label="referrals",
                    action="offer.withdrawn",
                    target=offer,
                    changes={
                        "state": (Offer.State.WAITING, Offer.State.WITHDRAWN),
                        "agency_status": (None, status),
                    },
                    agency_id=agency_id,
                )
            withdrawn += len(offers)
            if offers and not referral.offers.filter(state=Offer.State.WAITING).exists():
                referral.due_at = now
                referral.save(update_fields=["due_at"])
                transaction.on_commit(partial(_advance_soon, referral_id))
    return withdrawn


def _advance_soon(referral_id: int) -> None:
    from referrals.tasks import referral_advance as task

    enqueue(task, referral_id)  # unsent, the sweep moves it on when it is due


def referral_settings_update(*, actor: Any, **values: Any) -> ReferralSettings:
    """Change the operator's settings (audited; they apply to referrals started later)."""
    with transaction.atomic():
        config = ReferralSettings.objects.select_for_update().get(pk=referral_settings().pk)
        changes = {}
        for name, value in values.items():
            old = getattr(config, name)
            if old != value:
                changes[name] = (old, value)
                setattr(config, name, value)
        config.full_clean()
        config.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        config.save()
        if changes:
            audit_record(
                actor=actor, action="referral_settings.updated", target=config, changes=changes
            )
    return config
