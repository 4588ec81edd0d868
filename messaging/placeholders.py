"""The placeholders of SMS templates (متغیرها): a registry any app can add to, and the two
forms of a template's text (decision 035).

People write and read a placeholder by its Persian name between braces (``{نام مشتری}``);
the database keeps a canonical form with the placeholder's key (``{customer_name}``), so a
name can change or be translated without touching stored templates. Both spellings of
Arabic and Persian letters, half-spaces and extra spaces are accepted (``core.text``).

A placeholder's ``value`` takes a :class:`messaging.rendering.Subject` and returns the text
to put in its place, or ``""`` when it has nothing (the recipient is then skipped, never sent
a broken text). It must not query the database: a bulk send renders thousands of subjects
whose rows were read beforehand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import pgettext_lazy as _p

from core.digits import to_persian_digits
from core.jalali import format_jalali_date, to_jalali
from core.text import normalize_text, search_key

if TYPE_CHECKING:
    from messaging.rendering import Subject

Value = Callable[["Subject"], str]

CUSTOMER, POLICY, CHEQUE, ACTIVITY, CLAIM, AGENCY = (
    "customer",
    "policy",
    "cheque",
    "activity",
    "claim",
    "agency",
)
GROUPS: dict[str, Promise] = {
    CUSTOMER: _p("placeholder group", "Customer"),
    POLICY: _p("placeholder group", "Policy"),
    CHEQUE: _p("placeholder group", "Cheque"),
    ACTIVITY: _p("placeholder group", "Activity"),
    CLAIM: _p("placeholder group", "Claim"),
    AGENCY: _p("placeholder group", "Agency"),
}

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# A stored template: every brace belongs to a placeholder's key (checked when saved).
CANONICAL_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
# What people type: a name between braces, on one line.
WRITTEN_RE = re.compile(r"\{([^{}\n]*)\}")


@dataclass(frozen=True)
class Placeholder:
    key: str
    label: str | Promise  # the name people write, in the active language (Persian)
    group: str
    value: Value
    sample: str  # shown in the preview when no customer has the value

    @property
    def written(self) -> str:
        """``{نام مشتری}``: how people see and type it."""
        return "{" + str(self.label) + "}"


_registry: dict[str, Placeholder] = {}
_names: dict[str, str] | None = None  # search key of a name (any language) → key


def placeholder_register(
    key: str,
    label: str | Promise,
    group: str,
    *,
    value: Value,
    sample: str,
    replaces: bool = False,
) -> Placeholder:
    """Offer ``{label}`` in templates. A key registered again with the same placeholder
    changes nothing; another placeholder under a taken key needs ``replaces=True`` (a higher
    app — renewals — taking over, say, the renewal link)."""
    global _names
    if not KEY_RE.match(key):
        raise ImproperlyConfigured(f"Placeholder key {key!r} must be lower-case letters, digits, _")
    if group not in GROUPS:
        raise ImproperlyConfigured(f"Placeholder {key!r}: unknown group {group!r}")
    placeholder = Placeholder(key=key, label=label, group=group, value=value, sample=sample)
    existing = _registry.get(key)
    if existing is not None and existing != placeholder and not replaces:
        raise ImproperlyConfigured(
            f"Placeholder {key!r} is already registered; pass replaces=True to take its place."
        )
    _registry[key] = placeholder
    _names = None
    return placeholder


def placeholder_get(key: str) -> Placeholder | None:
    return _registry.get(key)


def placeholders() -> list[Placeholder]:
    """Every placeholder, by group (in ``GROUPS`` order) then in registration order."""
    order = list(GROUPS)
    return sorted(_registry.values(), key=lambda p: order.index(p.group))


def placeholders_by_group() -> list[tuple[str, list[Placeholder]]]:
    """``[(group label, [placeholders])]`` for the editor's picker."""
    found: dict[str, list[Placeholder]] = {}
    for placeholder in placeholders():
        found.setdefault(placeholder.group, []).append(placeholder)
    return [(str(GROUPS[group]), items) for group, items in found.items()]


def _name_index() -> dict[str, str]:
    global _names
    if _names is None:
        names: dict[str, str] = {}
        for language in ("fa", "en"):
            with translation.override(language):
                for placeholder in _registry.values():
                    names.setdefault(search_key(str(placeholder.label)), placeholder.key)
        _names = names
    return _names


def placeholder_find(name: str) -> Placeholder | None:
    """The placeholder people call ``name`` (its Persian or English name, any spelling)."""
    key = _name_index().get(search_key(name))
    return _registry.get(key) if key else None


# ---- the two forms of a template's text ------------------------------------------------------


def _stray_brace(text: str, at: int) -> ValidationError:
    fragment = text[at : at + 20].split("\n", 1)[0]
    return ValidationError(
        {
            "body": [
                gettext(
                    "“%(fragment)s”: a brace that does not open or close a placeholder. "
                    "Write placeholders as %(example)s, or remove the brace."
                )
                % {"fragment": fragment, "example": _example()}
            ]
        }
    )


def _example() -> str:
    first = _registry.get("customer_name") or next(iter(_registry.values()), None)
    return first.written if first else "{…}"


def body_to_canonical(text: str) -> str:
    """What people wrote (``سلام {نام مشتري}``) → the stored form (``سلام {customer_name}``).

    Raises ``ValidationError({"body": …})`` naming an unknown placeholder or a brace that
    opens or closes none, in the active language."""
    text = normalize_text(text, multiline=True)
    out: list[str] = []
    unknown: list[str] = []
    position = 0
    for match in WRITTEN_RE.finditer(text):
        between = text[position : match.start()]
        for brace in "{}":
            if brace in between:
                raise _stray_brace(text, position + between.index(brace))
        out.append(between)
        name = match.group(1).strip()
        placeholder = placeholder_find(name) if name else None
        if placeholder is None:
            unknown.append("{" + name + "}")
        else:
            out.append("{" + placeholder.key + "}")
        position = match.end()
    tail = text[position:]
    for brace in "{}":
        if brace in tail:
            raise _stray_brace(text, position + tail.index(brace))
    if unknown:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "Unknown placeholder %(name)s: choose one from the list of placeholders."
                    )
                    % {"name": name}
                    for name in dict.fromkeys(unknown)
                ]
            }
        )
    out.append(tail)
    return "".join(out)


def body_to_written(canonical: str) -> str:
    """The stored form → what people read and edit (names in the active language). A key no
    longer registered is shown as it is, so that saving it again names it."""

    def name(match: re.Match[str]) -> str:
        placeholder = _registry.get(match.group(1))
        return placeholder.written if placeholder else match.group(0)

    return CANONICAL_RE.sub(name, canonical)


# ---- the values: plain, fast, no query -------------------------------------------------------

_PERSIAN_GROUPING = str.maketrans({",": "٬"})


def persian_amount(value: Decimal | int | None) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷`` (whole rials, as the panel writes them); ``""`` for none."""
    if value is None:
        return ""
    return to_persian_digits(f"{int(value):,}".translate(_PERSIAN_GROUPING))


@lru_cache(maxsize=4096)
def _persian_day(day: dt.date) -> str:
    return format_jalali_date(day, persian_digits=True)


def persian_date(value: Any) -> str:
    """A Jalali date in Persian digits; a batch's dates repeat (the day's expiries), so a
    plain date is converted once."""
    if not value:
        return ""
    if type(value) is dt.date:
        return _persian_day(value)
    return format_jalali_date(value, persian_digits=True)


def persian_time(value: Any) -> str:
    if not value:
        return ""
    moment = to_jalali(value)
    return to_persian_digits(f"{moment.hour:02d}:{moment.minute:02d}")


def _customer_name(subject: Subject) -> str:
    customer = subject.customer
    if customer.party == "company" and customer.company_name:
        return str(customer.company_name)
    return f"{customer.first_name} {customer.last_name}".strip() or str(customer.company_name)


def _policy(field: str) -> Value:
    def value(subject: Subject) -> str:
        policy = subject.policy
        return str(getattr(policy, field) or "") if policy is not None else ""

    return value


def _line_name(subject: Subject) -> str:
    policy = subject.policy
    return subject.agency.line_names.get(policy.line_code, "") if policy is not None else ""


def _expiry_date(subject: Subject) -> str:
    return persian_date(subject.policy.end_date) if subject.policy is not None else ""


def _premium(subject: Subject) -> str:
    return persian_amount(subject.policy.premium) if subject.policy is not None else ""


def _days_to_expiry(subject: Subject) -> str:
    policy = subject.policy
    if policy is None or policy.end_date is None:
        return ""
    days = (policy.end_date - subject.agency.today).days
    return to_persian_digits(days) if days >= 0 else ""


def _renewal_link(subject: Subject) -> str:
    policy = subject.policy
    return subject.agency.quote_url(policy.line_code) if policy is not None else ""


def _cheque_amount(subject: Subject) -> str:
    return persian_amount(subject.cheque.amount) if subject.cheque is not None else ""


def _cheque_due_date(subject: Subject) -> str:
    return persian_date(subject.cheque.due_date) if subject.cheque is not None else ""


def _activity_title(subject: Subject) -> str:
    return str(subject.activity.subject or "") if subject.activity is not None else ""


def _activity_date(subject: Subject) -> str:
    return persian_date(subject.activity.due_at) if subject.activity is not None else ""


def _activity_time(subject: Subject) -> str:
    return persian_time(subject.activity.due_at) if subject.activity is not None else ""


def _claim_number(subject: Subject) -> str:
    return str(subject.claim.number or "") if subject.claim is not None else ""


def _claim_amount(subject: Subject) -> str:
    claim = subject.claim
    if claim is None:
        return ""
    amount = claim.paid_amount if claim.paid_amount is not None else claim.claimed_amount
    return persian_amount(amount)


def register_builtin() -> None:
    """The placeholders the CRM's rows give (from ``MessagingConfig.ready``)."""
    register = placeholder_register
    register(
        "customer_name",
        _p("placeholder", "customer name"),
        CUSTOMER,
        value=_customer_name,
        sample="علی رضایی",
    )
    register(
        "first_name",
        _p("placeholder", "first name"),
        CUSTOMER,
        value=lambda s: str(s.customer.first_name or ""),
        sample="علی",
    )
    register(
        "last_name",
        _p("placeholder", "last name"),
        CUSTOMER,
        value=lambda s: str(s.customer.last_name or ""),
        sample="رضایی",
    )
    register(
        "policy_number",
        _p("placeholder", "policy number"),
        POLICY,
        value=_policy("number"),
        sample="1405-97-000123",
    )
    register(
        "line_name", _p("placeholder", "insurance line"), POLICY, value=_line_name, sample="بدنه"
    )
    register(
        "expiry_date",
        _p("placeholder", "expiry date"),
        POLICY,
        value=_expiry_date,
        sample="۱۴۰۵/۱۲/۲۹",
    )
    register(
        "days_to_expiry",
        _p("placeholder", "days to expiry"),
        POLICY,
        value=_days_to_expiry,
        sample="۱۵",
    )
    register("premium", _p("placeholder", "premium"), POLICY, value=_premium, sample="۱۲٬۳۴۵٬۰۰۰")
    register(
        "renewal_link",
        _p("placeholder", "renewal link"),
        POLICY,
        value=_renewal_link,
        sample="https://ar685.bimeh.ir/insurance/motor/",
    )
    register(
        "cheque_amount",
        _p("placeholder", "cheque amount"),
        CHEQUE,
        value=_cheque_amount,
        sample="۵٬۰۰۰٬۰۰۰",
    )
    register(
        "cheque_due_date",
        _p("placeholder", "cheque due date"),
        CHEQUE,
        value=_cheque_due_date,
        sample="۱۴۰۵/۰۹/۱۹",
    )
    register(
        "activity_title",
        _p("placeholder", "activity title"),
        ACTIVITY,
        value=_activity_title,
        sample="جلسه بازدید",
    )
    register(
        "activity_date",
        _p("placeholder", "activity date"),
        ACTIVITY,
        value=_activity_date,
        sample="۱۴۰۵/۰۹/۲۰",
    )
    register(
        "activity_time",
        _p("placeholder", "activity time"),
        ACTIVITY,
        value=_activity_time,
        sample="۱۰:۳۰",
    )
    register(
        "claim_number",
        _p("placeholder", "claim number"),
        CLAIM,
        value=_claim_number,
        sample="K-4521",
    )
    register(
        "claim_amount",
        _p("placeholder", "claim amount"),
        CLAIM,
        value=_claim_amount,
        sample="۸۰٬۰۰۰٬۰۰۰",
    )
    register(
        "agency_name",
        _p("placeholder", "agency name"),
        AGENCY,
        value=lambda s: s.agency.name,
        sample="نمایندگی خلیلی",
    )
    register(
        "agency_phone",
        _p("placeholder", "agency phone"),
        AGENCY,
        value=lambda s: s.agency.phone,
        sample="02188776655",
    )
    register(
        "agency_site",
        _p("placeholder", "agency site"),
        AGENCY,
        value=lambda s: s.agency.site_url,
        sample="https://ar685.bimeh.ir/",
    )
