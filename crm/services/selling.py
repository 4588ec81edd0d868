"""Selling from the panel (issue 12, item 8; decision 032).

A customer phones or walks in: staff price a line with the site's own quote service (the same
catalogue, tariff, sales plans and questions), open the order with the site's own order
services — the agency's order (channel ``agency``), owned by the account of the customer's
mobile, in draft with the insured's details from the card — and text the customer a signed,
expiring link to the agency's site, where they sign in with the SMS code, check the steps
left and pay. Nothing here prices or moves an order itself.

The order ends up on this customer's card: the insured's national code is the customer's
(filled on the card first when it lacked one), and the ledger sync matches national codes
before anything else; a :class:`~crm.models.PanelSale` row keeps the order → customer link
and the panel's list of these sales.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.utils import localized_number
from core.audit import audit_record as core_audit_record
from core.errors import Conflict
from core.money import format_rials
from core.queue import enqueue_on_commit
from crm.models import ContactLog, Customer, PanelSale
from crm.services.base import actor_id, agency_write, audit_record
from crm.services.customers import customer_update
from crm.tenancy import schema_require
from policies.models import Order, Quote
from policies.selectors import line_get_for_site
from policies.services import orders as order_services
from policies.services.events import SYSTEM, Origin
from policies.services.quotes import quote_create
from tenants.hosts import agency_site_url
from tenants.services import agency_require_active

# The link is good for three days; the quote behind it for seven (policies.services.quotes).
SALE_LINK_MAX_AGE = dt.timedelta(days=3)
_LINK_SALT = "crm.selling.link"
SMS_KIND = "sale_link"
PAYABLE = (Order.State.DRAFT, Order.State.AWAITING_PAYMENT)


class SaleLinkInvalid(Exception):
    """The link was not made by us for this agency (forged, cut, or another agency's)."""


class SaleLinkExpired(SaleLinkInvalid):
    """The link was ours but is older than ``SALE_LINK_MAX_AGE``."""


def _customer_check(customer: Customer) -> None:
    """Who can be sold to from the panel: a live person with a mobile."""
    if customer.merged_into_id is not None:
        raise Conflict(
            _("This customer was merged into another; sell to that one instead."),
            code="customer_merged",
        )
    if customer.party != Customer.Party.PERSON:
        raise ValidationError(
            _("A sale from the panel is for a person; register the insured person first."),
            code="not_a_person",
        )
    if not customer.mobile:
        raise ValidationError(
            {"mobile": [_("This customer has no mobile number to send the link to.")]},
            code="no_mobile",
        )


def _line_check(*, agency: Any, line_code: str) -> None:
    if line_get_for_site(code=line_code, agency=agency) is None:
        raise ValidationError(
            {"line": [_("This insurance is not sold on your agency's site.")]}, code="line"
        )


def sale_quote(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    line_code: str,
    answers: Mapping[str, Any],
    origin: Origin = SYSTEM,
) -> Quote:
    """Price ``answers`` for ``line_code`` on the agency's site for ``customer``: the site's
    quote service itself (its validation errors are the site's, on the question fields).
    Refused for a suspended agency, a line the agency may not or does not sell, and a customer
    the sale cannot be made for."""
    schema_require(agency)
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
    _customer_check(customer)
    _line_check(agency=agency, line_code=line_code)
    return quote_create(line=line_code, answers=answers, agency=agency, origin=origin)


def _account_for(*, agency: Any, actor: Any, mobile: str) -> User:
    """The site's account of ``mobile``: an account is a mobile, whoever proves it with the
    SMS code signs in to it. A number without one gets it now, unverified, recorded as
    signed up on this agency's site — as the staff form does for a new member's number."""
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        user = User.objects.create_user(mobile, signup_agency=agency)
        core_audit_record(
            actor=actor,
            action="user.created_for_sale",
            target=user,
            agency_id=agency.pk,
            changes={"mobile": (None, mobile)},
        )
    if not user.is_active:
        raise ValidationError(
            {"mobile": [_("The site account of this mobile number is disabled.")]},
            code="account_inactive",
        )
    return user


def sale_order_create(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    quote: Quote,
    national_code: str = "",
    birth_date: dt.date | None = None,
    details: Mapping[str, Any] | None = None,
    origin: Origin = SYSTEM,
) -> PanelSale:
    """Open the agency's order of ``quote`` for ``customer``, as the site would have it before
    payment: in draft, the insured step filled from the card (``national_code`` and
    ``birth_date`` fill what the card lacks, and are kept on the card), the line's details
    when staff answered them. Documents and delivery are the customer's to give on the site,
    and the customer confirms the review (which is what submitting an order means) and pays.

    The order belongs to the account of the customer's mobile (made now if the number has
    none). Asking again for the same quote and customer gives back the same sale."""
    schema_require(agency)
    _customer_check(customer)
    if quote.agency_id != agency.pk:
        raise ValidationError(_("This quote was made on another site."), code="quote_site")
    _line_check(agency=agency, line_code=quote.line.code)
    with agency_write(agency):
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        _customer_check(locked)
        fill: dict[str, Any] = {}
        if not locked.national_code and national_code:
            fill["national_code"] = national_code
        if locked.birth_date is None and birth_date is not None:
            fill["birth_date"] = birth_date
        if fill:
            locked = customer_update(agency=agency, actor=actor, customer=locked, **fill)
        errors: dict[str, list[str]] = {}
        if not locked.national_code:
            errors["national_code"] = [_("Enter the customer's national code.")]
        if locked.birth_date is None:
            errors["birth_date"] = [_("Enter the customer's birth date.")]
        if errors:
            raise ValidationError(errors)
        account = _account_for(agency=agency, actor=actor, mobile=locked.mobile)
        order = order_services.order_start(
            quote=quote, customer=account, agency=agency, origin=origin
        )
        existing = PanelSale.objects.filter(order_id=order.pk).first()
        if existing is not None:
            return existing
        order_services.order_insured_save(
            order=order,
            actor=actor,
            first_name=locked.first_name or locked.last_name,
            last_name=locked.last_name,
            national_code=locked.national_code or "",
            birth_date=locked.birth_date,
            mobile=locked.mobile,
            origin=origin,
        )
        if details and any(str(value).strip() for value in details.values()):
            order_services.order_details_save(
                order=order, actor=actor, answers=details, origin=origin
            )
        if locked.user_id is None:
            locked = customer_update(
                agency=agency, actor=actor, customer=locked, user_id=account.pk
            )
        sale = PanelSale.objects.create(
            customer=locked,
            order_id=order.pk,
            order_public_id=order.public_id,
            quote_id=quote.pk,
            line_code=quote.line.code,
            premium=order.premium,
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="sale.order_created",
            target=sale,
            changes={"order": (None, order.number), "premium": (None, str(order.premium))},
        )
    return sale


def sale_link_make(*, agency: Any, order_id: int) -> str:
    """The absolute URL, on the agency's own site, that opens the order; signed for this
    agency (a token of one agency means nothing on another's site) and dated."""
    token = signing.TimestampSigner(salt=f"{_LINK_SALT}:{agency.pk}").sign(str(order_id))
    path = reverse("crm-sale-link:open", urlconf="config.urls_agency", args=[token])
    return agency_site_url(agency, path)


def sale_link_read(*, agency: Any, token: str) -> int:
    """The order id a link names, or :class:`SaleLinkInvalid` / :class:`SaleLinkExpired`."""
    signer = signing.TimestampSigner(salt=f"{_LINK_SALT}:{agency.pk}")
    try:
        value = signer.unsign(token, max_age=SALE_LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise SaleLinkExpired from error
    except signing.BadSignature as error:
        raise SaleLinkInvalid from error
    if not value.isdigit():
        raise SaleLinkInvalid
    return int(value)


def sale_link_send(*, agency: Any, actor: Any, sale: PanelSale) -> ContactLog:
    """Text the customer the link to their order (on commit, by a Celery task).

    The link is a transactional message the customer asked for during the call or visit:
    it is sent on the service line even to a customer who opted out of promotional texts
    (decision 032). Refused for an order that can no longer be paid (paid, issued, closed)."""
    with agency_write(agency):
        locked = PanelSale.objects.select_for_update().select_related("customer").get(pk=sale.pk)
        order = Order.objects.select_related("customer").get(pk=locked.order_id)
        if order.agency_id != agency.pk:
            raise Conflict(_("This order is not your agency's."), code="order_agency")
        if order.state not in PAYABLE:
            raise Conflict(
                _("This order is %(state)s; there is nothing left for the customer to pay.")
                % {"state": order.get_state_display()},
                code="order_state",
            )
        now = timezone.now()
        contact = ContactLog.objects.create(
            customer=locked.customer,
            phone=order.customer.mobile,
            channel=ContactLog.Channel.SMS,
            direction=ContactLog.Direction.OUT,
            by_user_id=actor_id(actor),
            via=SMS_KIND,
            note=_("Link to order %(number)s") % {"number": order.number},
            occurred_at=now,
        )
        PanelSale.objects.filter(pk=locked.pk).update(link_sent_at=now)
        sale.link_sent_at = now
        audit_record(
            agency=agency,
            actor=actor,
            action="sale.link_sent",
            target=locked,
            changes={"link_sent_at": (locked.link_sent_at, now)},
        )
        from crm.tasks import crm_sale_link_send

        enqueue_on_commit(crm_sale_link_send, agency.schema_name, locked.pk, contact.pk)
    return contact


def sale_link_sms(*, agency: Any, sale_id: int, contact_id: int) -> int | None:
    """The task's work: queue the SMS of a link recorded by :func:`sale_link_send` once.

    Idempotent: the contact row is locked and the message queued only while it names none,
    so a task run twice sends one SMS. Returns the SMS message's id (None for no such row)."""
    from core.sms import sms_queue

    schema_require(agency)
    with transaction.atomic():
        contact = ContactLog.objects.select_for_update().filter(pk=contact_id).first()
        sale = PanelSale.objects.filter(pk=sale_id).first()
        if contact is None or sale is None or contact.via != SMS_KIND:
            return None
        if contact.sms_message_id is not None:
            return contact.sms_message_id
        order = Order.objects.select_related("line").get(pk=sale.order_id)
        with translation.override(settings.LANGUAGE_CODE):
            body = _(
                "%(agency)s: your %(line)s order is ready, premium %(premium)s rials. "
                "Check it and pay on our site: %(url)s"
            ) % {
                "agency": agency.name,
                "line": order.line.display_name,
                "premium": localized_number(format_rials(order.premium)),
                "url": sale_link_make(agency=agency, order_id=order.pk),
            }
        message = sms_queue(to=contact.phone, body=body, kind=SMS_KIND, agency_id=agency.pk)
        ContactLog.objects.filter(pk=contact.pk).update(sms_message_id=message.pk)
    return message.pk
