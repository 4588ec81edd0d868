"""How many parts an SMS takes, and what it costs.

A text made only of the GSM 03.38 alphabet travels in 7-bit parts: 160 characters in one
part, 153 per part when split (the rest carries the concatenation header). Anything else
(every Persian letter, Persian digits, a half-space) makes the whole text UCS-2: 70
characters in one part, 67 per part when split. Characters of the GSM extension table
(``^{}\\[~]|€`` and the form feed) take two places. Outside the basic plane a character
takes two UCS-2 units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_GSM7, MULTI_GSM7 = 160, 153
SINGLE_UCS2, MULTI_UCS2 = 70, 67


class Line(models.TextChoices):
    """The two kinds of sender line (CRM-NOTES: SMS in Iran)."""

    SERVICE = "service", _("Service line")
    PROMOTIONAL = "promotional", _("Promotional line")


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "gsm7" or "ucs2"
    length: int  # in the encoding's units (characters, extension ones counted twice)
    parts: int
    per_part: int  # the limit of one part at this length
    left: int  # units left before the next part starts


def sms_size(text: str) -> SmsSize:
    """The encoding, the length and the number of parts of ``text`` (0 parts when empty)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, single, multi = "gsm7", SINGLE_GSM7, MULTI_GSM7
        length = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    else:
        encoding, single, multi = "ucs2", SINGLE_UCS2, MULTI_UCS2
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    if length == 0:
        return SmsSize(encoding, 0, 0, single, single)
    if length <= single:
        return SmsSize(encoding, length, 1, single, single - length)
    parts = -(-length // multi)
    return SmsSize(encoding, length, parts, multi, parts * multi - length)


def sms_parts(text: str) -> int:
    return sms_size(text).parts


def sms_part_price(line: str) -> Decimal:
    """What one part costs the agency on ``line``, in rials (settings.SMS_PART_PRICE_RIALS)."""
    return Decimal(settings.SMS_PART_PRICE_RIALS[line])


def sms_cost(parts: int, line: str) -> Decimal:
    return sms_part_price(line) * parts
