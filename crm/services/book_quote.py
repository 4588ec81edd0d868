"""A quote on the agency's site names the previous insurer and how long ago that policy
ended: the agency turns it into a prospective customer with that other insurer's policy in
the book, whose expiry it then chases (issue 12, item 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.jalali import tehran
from crm.models import BookPolicy, Customer
from crm.selectors.book import INSURER_QUESTION, NO_INSURER, OTHER_INSURER
from crm.services.base import actor_id, agency_write, audit_record
from crm.services.customers import customer_create
from policies.models import Quote

# How far back the panel offers quotes.
QUOTE_DAYS = 90
# An advisory lock per quote (within the agency's schema): two clicks make one prospect.
_QUOTE_LOCK = 0x71_75_6F  # "quo"


def quotes_with_previous_insurer(*, agency: Any) -> QuerySet[Quote]:
    """The agency's recent quotes by a signed-in visitor that name a previous insurer,
    newest first (an anonymous quote leaves no one to call)."""
    since = timezone.now() - dt.timedelta(days=QUOTE_DAYS)
    return (
        Quote.objects.filter(agency_id=agency.pk, user__isnull=False, created_at__gte=since)
        .filter(**{f"answers__{INSURER_QUESTION}__isnull": False})
        .exclude(**{f"answers__{INSURER_QUESTION}": NO_INSURER})
        .select_related("user", "line")
        .order_by("-created_at", "-id")
    )


def quote_previous_expiry(quote: Quote) -> dt.date | None:
    """The previous policy's expiry: the quote's day minus the days it said had passed; None
    when it said the policy was still in force (its end is not known)."""
    try:
        days = int(quote.answers.get("days_since_expiry") or 0)
    except (TypeError, ValueError):
        days = 0
    if days <= 0:
        return None
    return timezone.localdate(quote.created_at, timezone=tehran()) - dt.timedelta(days=days)


def _customer_for(*, agency: Any, actor: Any, quote: Quote, first_name: str, last_name: str):
    user = quote.user
    assert user is not None  # quote_to_prospect refuses an anonymous quote
    keys = Q(user_id=user.pk) | Q(mobile=user.mobile)
    if user.national_code:
        keys |= Q(national_code=user.national_code)
    found = list(Customer.objects.filter(keys, merged_into__isnull=True).order_by("id"))
    for rule in (
        lambda c: c.user_id == user.pk,
        lambda c: user.national_code and c.national_code == user.national_code,
        lambda c: c.mobile == user.mobile and (not c.national_code or not user.national_code),
    ):
        for customer in found:
            if rule(customer):
                return customer
    if not (last_name or user.last_name):
        raise ValidationError({"last_name": [_("Enter the customer's last name.")]})
    return customer_create(
        agency=agency,
        actor=actor,
        first_name=first_name or user.first_name,
        last_name=last_name or user.last_name,
        national_code=user.national_code or None,
        phones=[user.mobile],
        source=Customer.Source.QUOTE,
        user_id=user.pk,
        insurance_needs=[quote.line.code],
        allow_duplicates=True,
    )


def quote_to_prospect(
    *, agency: Any, actor: Any, quote: Quote, first_name: str = "", last_name: str = ""
) -> BookPolicy:
    """The quote's visitor as a customer (found by account, national code or mobile, else a
    new prospect, source "quote") with the previous insurer's policy of the quote's line in
    the book (``quote_id`` set). A quote already taken gives back its policy unchanged."""
    if quote.agency_id != agency.pk or quote.user_id is None:
        raise Conflict(_("This quote cannot be turned into a customer."), code="quote_foreign")
    insurer = str(quote.answers.get(INSURER_QUESTION) or "")
    if not insurer or insurer == NO_INSURER:
        raise Conflict(_("This quote names no previous insurer."), code="quote_no_insurer")
    with agency_write(agency):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_QUOTE_LOCK, quote.pk])
        taken = BookPolicy.objects.filter(quote_id=quote.pk).first()
        if taken is not None:
            return taken
        customer = _customer_for(
            agency=agency, actor=actor, quote=quote, first_name=first_name, last_name=last_name
        )
        end_date = quote_previous_expiry(quote)
        today = timezone.localdate(timezone=tehran())
        policy = BookPolicy.objects.create(
            customer=customer,
            origin=BookPolicy.Origin.OTHER,
            insurer_code=insurer,
            insurer_name=_("Not named on the quote") if insurer == OTHER_INSURER else "",
            line_code=quote.line.code,
            end_date=end_date,
            state=BookPolicy.State.EXPIRED
            if end_date and end_date < today
            else BookPolicy.State.ACTIVE,
            quote_id=quote.pk,
            notes=""
            if end_date
            else _("In force on the day of the quote; its expiry date was not given."),
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="book.quote_taken",
            target=policy,
            changes={
                "customer": (None, customer.pk),
                "insurer_code": (None, insurer),
                "end_date": (None, end_date),
            },
        )
    return policy
