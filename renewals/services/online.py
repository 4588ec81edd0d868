"""Renewing a policy of the book (issue 14, item 4; decision 043).

The renewal quote is the site's own: :func:`renewal_answers` carries the old policy's answers
over (no-claim years advanced when the customer had no claim on it, the previous insurer and
the days since expiry brought up to date, the vehicle's details kept) and
:func:`renewal_prepare` prices them with crm's panel sale (``sale_quote`` and
``sale_order_create``: the line's current tariff, the agency's sales plans and line rules)
and opens the agency's order for the customer. A :class:`~renewals.models.RenewalOffer`
keeps the order per policy, so asking again gives the same order while it can be paid, and
says which channel the renewal is credited to when the new policy is issued
(:mod:`renewals.services.linking`).

The renewal link (``/renew/<token>/`` on the agency's site) names a policy of the book,
signed for the agency and good until 30 days after the policy's expiry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.jalali import tehran
from crm.models import BookPolicy, ClaimRecord, PanelSale
from crm.services.base import actor_id, agency_write, audit_record
from crm.services.selling import PAYABLE, sale_order_create, sale_quote
from crm.tenancy import schema_require
from policies.models import Order, Question
from policies.services.prefill import (
    RenewalPrefill,
    missing_answers,
    renewal_prefill,
)
from renewals.labels import SYSTEM_ACTOR
from renewals.models import Channel, Kind, RenewalOffer, WorkItem

# The link is good until this long after the policy's expiry.
LINK_DAYS_AFTER_EXPIRY = 30
_LINK_SALT = "renewals.online.link"
# Channels of a person's work: the credit they earn is never taken by a later click on
# the reminder's link (decision 043).
STAFF_CHANNELS = frozenset({Channel.CALL, Channel.IN_PERSON})


class RenewalRefused(Conflict):
    """A renewal that cannot be prepared (the message is for people, in Persian)."""


class RenewalIncomplete(ValidationError):
    """Answers the quote needs that the old policy does not give (``missing``: their codes)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            _("A few answers of the quote are missing; fill them in to price the renewal."),
            code="renewal_incomplete",
        )


class RenewalLinkInvalid(Exception):
    """The link was not made by us for this agency (forged, cut, or another agency's)."""


class RenewalLinkExpired(RenewalLinkInvalid):
    """The link was ours, but its policy expired more than 30 days ago."""


def today() -> dt.date:
    return timezone.localdate(timezone.now(), tehran())


def _had_claim(policy: BookPolicy) -> bool:
    """A claim of the customer on this policy, or one not tied to a policy within its term
    (a rejected claim does not count)."""
    claims = ClaimRecord.objects.filter(customer_id=policy.customer_id).exclude(
        state=ClaimRecord.State.REJECTED
    )
    term = Q(book_policy_id=policy.pk)
    if policy.start_date and policy.end_date:
        term |= Q(
            book_policy__isnull=True,
            filed_at__gte=policy.start_date,
            filed_at__lte=policy.end_date,
        )
    return claims.filter(term).exists()


def renewal_answers(book_policy: BookPolicy) -> RenewalPrefill:
    """The renewal quote's answers for ``book_policy`` (``policies.services.prefill``): a
    policy of our ledger carries its order's answers; another insurer's, its insurer and plate."""
    return renewal_prefill(
        line_code=book_policy.line_code,
        order_id=(book_policy.order_id if book_policy.origin == BookPolicy.Origin.LEDGER else None),
        had_claim=lambda: _had_claim(book_policy),
        end_date=book_policy.end_date,
        on=today(),
        insurer_code=book_policy.insurer_code,
        plate=book_policy.plate,
    )


def _missing(questions: Any, answers: Mapping[str, Any]) -> list[str]:
    return missing_answers(questions, answers)


def _refuse(policy: BookPolicy, customer: Any) -> None:
    if policy.renewed_by_id is not None or policy.state == BookPolicy.State.RENEWED:
        raise RenewalRefused(_("This policy is already renewed."), code="renewed")
    if policy.state == BookPolicy.State.CANCELLED:
        raise RenewalRefused(_("This policy is cancelled; it cannot be renewed."), code="cancelled")
    if customer is not None and customer.pk != policy.customer_id:
        raise RenewalRefused(_("This policy is another customer's."), code="other_customer")
    if policy.customer.merged_into_id is not None:
        raise RenewalRefused(
            _("This policy's customer was merged into another; renew from that card."),
            code="customer_merged",
        )


def _still_payable(offer: RenewalOffer) -> PanelSale | None:
    """The offer's sale while its order can still be paid; refused once it is paid."""
    state = Order.objects.filter(pk=offer.order_id).values_list("state", flat=True).first()
    if state in (Order.State.PAID, Order.State.ISSUED):
        raise RenewalRefused(
            _("The renewal is paid; the new policy is being issued."), code="renewal_paid"
        )
    if state not in PAYABLE or offer.sale_id is None:
        return None
    return PanelSale.objects.filter(pk=offer.sale_id, order_id=offer.order_id).first()


def renewal_prepare(
    *,
    agency: Any,
    actor: Any,
    book_policy: BookPolicy,
    channel: str,
    answers_override: Mapping[str, Any] | None = None,
    customer: Any = None,
) -> PanelSale:
    """The order renewing ``book_policy``, priced by the line's current tariff and the
    agency's sales plans (crm's panel sale), in draft for the customer to finish and pay.

    Asking again gives the same sale while its order can be paid, a fresh one once it can
    not. ``answers_override`` (question code → answer, quote or details) completes or
    corrects the carried answers. Refused for a renewed, cancelled or other-customer policy
    (``customer`` given), a suspended agency, a line the agency no longer sells
    (``ValidationError`` on ``line``), and missing answers (:class:`RenewalIncomplete`)."""
    schema_require(agency)
    with agency_write(agency):
        policy = (
            BookPolicy.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=book_policy.pk)
        )
        _refuse(policy, customer)
        offer = RenewalOffer.objects.select_for_update().filter(book_policy=policy).first()
        if offer is not None:
            sale = _still_payable(offer)
            if sale is not None:
                if channel != offer.channel and offer.channel not in STAFF_CHANNELS:
                    offer.channel = channel
                    offer.save(update_fields=["channel", "updated_at"])
                _item_mark(policy, sale.order_id)
                return sale
        prefill = renewal_answers(policy)
        answers = dict(prefill.answers)
        details = dict(prefill.details)
        if answers_override:
            detail_codes = set(
                Question.objects.filter(
                    line__code=policy.line_code, stage=Question.Stage.DETAILS
                ).values_list("code", flat=True)
            )
            for code, value in answers_override.items():
                (details if code in detail_codes else answers)[code] = value
        missing = _missing(
            Question.objects.filter(line__code=policy.line_code, stage=Question.Stage.QUOTE),
            answers,
        )
        if missing:
            raise RenewalIncomplete(missing)
        required_details = set(
            Question.objects.filter(
                line__code=policy.line_code, stage=Question.Stage.DETAILS, required=True
            ).values_list("code", flat=True)
        )
        if any(str(details.get(code, "")).strip() == "" for code in required_details):
            # The order's details step takes them whole: the customer gives them on the site.
            details = {}
        quote = sale_quote(
            agency=agency,
            actor=actor,
            customer=policy.customer,
            line_code=policy.line_code,
            answers=answers,
        )
        sale = sale_order_create(
            agency=agency,
            actor=actor,
            customer=policy.customer,
            quote=quote,
            national_code=prefill.national_code,
            birth_date=prefill.birth_date,
            details=details,
        )
        previous = offer.order_id if offer is not None else None
        if offer is None:
            offer = RenewalOffer(book_policy=policy)
        offer.sale_id = sale.pk
        offer.order_id = sale.order_id
        offer.quote_id = quote.pk
        offer.line_code = policy.line_code
        offer.premium = sale.premium
        if offer.channel not in STAFF_CHANNELS or channel in STAFF_CHANNELS:
            offer.channel = channel
        offer.created_by_user_id = actor_id(actor)
        offer.save()
        _item_mark(policy, sale.order_id)
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_item.quote_prepared",
            target=offer,
            changes={
                "order": (previous, sale.order_id),
                "premium": (None, str(sale.premium)),
                "channel": (None, offer.channel),
            },
            actor_label=SYSTEM_ACTOR,
        )
    return sale


def _item_mark(policy: BookPolicy, order_id: int) -> None:
    WorkItem.objects.filter(
        book_policy=policy, kind__in=(Kind.RENEWAL, Kind.LAPSED), state=WorkItem.State.OPEN
    ).exclude(renewal_order_id=order_id).update(renewal_order_id=order_id)


# ---- the renewal link ----------------------------------------------------------------------


def _signer(agency_id: int) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{_LINK_SALT}:{agency_id}")


def renewal_link_token(*, agency_id: int, book_policy_id: int, end_date: dt.date) -> str:
    """The signed, dated token naming a policy of the book (good until 30 days after
    ``end_date``, which it carries)."""
    until = end_date + dt.timedelta(days=LINK_DAYS_AFTER_EXPIRY)
    return _signer(agency_id).sign(f"{book_policy_id}.{until:%Y%m%d}")


def renewal_link_path(token: str) -> str:
    return reverse("renewals-online:open", urlconf="config.urls_agency", args=[token])


def renewal_link_make(agency: Any, book_policy_id: int) -> str:
    """The absolute URL, on the agency's own site, that renews the policy ("" for a policy
    without an expiry date)."""
    from tenants.hosts import agency_site_url

    end_date = (
        BookPolicy.objects.filter(pk=book_policy_id).values_list("end_date", flat=True).first()
    )
    if end_date is None:
        return ""
    token = renewal_link_token(
        agency_id=agency.pk, book_policy_id=book_policy_id, end_date=end_date
    )
    return agency_site_url(agency, renewal_link_path(token))


def renewal_link_read(*, agency: Any, token: str, on: dt.date | None = None) -> int:
    """The book policy id a link names, or :class:`RenewalLinkInvalid` /
    :class:`RenewalLinkExpired`."""
    try:
        value = _signer(agency.pk).unsign(token)
    except signing.BadSignature as error:
        raise RenewalLinkInvalid from error
    policy_id, _sep, until = value.partition(".")
    if not policy_id.isdigit() or len(until) != 8 or not until.isdigit():
        raise RenewalLinkInvalid
    try:
        deadline = dt.date(int(until[:4]), int(until[4:6]), int(until[6:]))
    except ValueError as error:
        raise RenewalLinkInvalid from error
    if (on or today()) > deadline:
        raise RenewalLinkExpired
    return int(policy_id)


_SITE_CODE = re.compile(r"^https?://ar(\d+)\.", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _agency_id_of_code(code: int) -> int | None:
    from tenants.models import Agency

    return Agency.objects.filter(code=code).values_list("pk", flat=True).first()


def _agency_id_of_site(site_url: str) -> int | None:
    """The agency whose site ``site_url`` is: the connection's tenant when it is that agency
    (a pattern run, a bulk send, a panel page), else one cached lookup by its code."""
    match = _SITE_CODE.match(site_url)
    if match is None:
        return None
    code = int(match.group(1))
    tenant = getattr(connection, "tenant", None)
    if getattr(tenant, "code", None) == code and isinstance(getattr(tenant, "pk", None), int):
        return tenant.pk  # type: ignore[union-attr]
    return _agency_id_of_code(code)


def renewal_link_placeholder(subject: Any) -> str:
    """``{renewal_link}`` of an SMS: the policy's renewal link on the agency's site.

    Rendering must not query: the host is the batch's ``site_url`` and the agency is the
    connection's tenant when it is that site's (a pattern run and a bulk send run in the
    agency's schema); otherwise it is looked up once per process by the site's code."""
    policy = subject.policy
    end_date = getattr(policy, "end_date", None) if policy is not None else None
    policy_id = getattr(policy, "pk", None) or getattr(policy, "id", None)
    site = getattr(subject.agency, "site_url", "")
    if end_date is None or policy_id is None or not site:
        return ""
    agency_id = _agency_id_of_site(site)
    if agency_id is None:
        return ""
    if today() > end_date + dt.timedelta(days=LINK_DAYS_AFTER_EXPIRY):
        return ""
    token = renewal_link_token(agency_id=agency_id, book_policy_id=policy_id, end_date=end_date)
    return site.rstrip("/") + renewal_link_path(token)


def renewal_price(*, agency: Any, prefill: RenewalPrefill) -> Any:
    """The premium the renewal would have now (the line's current tariff and the agency's
    rules), without storing a quote: what the renewal page shows before the customer goes
    on. None when the line is not sold here or the answers do not price."""
    from policies.catalog_cache import line_snapshot
    from policies.pricing import answers_clean, premium_calculate

    if prefill.missing:
        return None
    snapshot = line_snapshot(prefill.line_code)
    if snapshot is None or not snapshot.sellable(agency.pk):
        return None
    try:
        cleaned = answers_clean(
            line=snapshot.line, answers=prefill.answers, questions=snapshot.questions
        )
    except ValidationError:
        return None
    rules = snapshot.rules_for(agency_id=agency.pk, on=today())
    return premium_calculate(version=snapshot.version, answers=cleaned, rules=rules).premium
