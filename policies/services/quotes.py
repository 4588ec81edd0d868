"""Premium inquiry (S-2.1): price a line's answers and keep the quote with its tariff version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import Line, Quote
from policies.pricing import answers_clean, premium_calculate
from policies.selectors import line_sellable, tariff_version_active
from policies.services.events import SYSTEM, Origin, sales_event_record

QUOTE_VALID_FOR = dt.timedelta(days=7)


def quote_create(
    *,
    line: Line,
    answers: Mapping[str, Any],
    agency: Any,
    user: Any = None,
    origin: Origin = SYSTEM,
) -> Quote:
    """Price ``answers`` for ``line`` on this site (``agency`` None = main site)."""
    if not line_sellable(line=line, agency=agency):
        raise ValidationError(_("This insurance is not sold on this site."), code="line")
    version = tariff_version_active(line=line)
    if version is None:
        raise ValidationError(_("This insurance is not sold on this site."), code="line")
    cleaned = answers_clean(line=line, answers=answers)
    pricing = premium_calculate(version=version, answers=cleaned)
    user = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        quote = Quote.objects.create(
            line=line,
            tariff_version=version,
            answers=cleaned,
            premium=pricing.premium,
            breakdown=pricing.breakdown_json(),
            term_days=pricing.term_days,
            agency=agency,
            user=user,
            ip_address=origin.ip_address,
            expires_at=timezone.now() + QUOTE_VALID_FOR,
        )
        sales_event_record(
            event="quote_created",
            quote=quote,
            actor=user,
            origin=origin,
            data={"line": line.code, "premium": str(quote.premium), "version": version.number},
        )
    return quote
