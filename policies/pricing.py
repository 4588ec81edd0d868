"""The quote engine: answers + a tariff version (data) → premium with its breakdown (S-2.1).

A tariff is a list of rules applied in order (docs/tariffs.md). Each rule

* looks a number up in its ``table`` by the answers named in ``question`` (exact value,
  then a numeric band ``a-b`` / ``a-`` / ``-b``, then ``*``; no table means 1),
* multiplies it by its ``basis``: a product of terms separated by ``*`` — a number,
  ``answer:<code>``, ``age:<code>`` (Jalali years since that year), ``rule:<code>`` (an
  earlier line of the breakdown), ``subtotal`` (the breakdown so far) or ``net`` (the
  breakdown so far without taxes); an empty basis is 1,
* and adds the result as one breakdown line: ``discount`` subtracts it, ``factor`` adds
  ``basis × (number − 1)``, every other kind adds it. ``params`` may hold ``when``
  (``code``, ``code=value`` or ``code!=value``: skip the rule otherwise), ``min`` and ``max``
  (expressions like the basis, bounding the line).

Each line is rounded to whole rials (half up); the premium is the sum of the lines.
Everything is ``Decimal``: the same answers and version always give the same rials.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.digits import format_number, number_text, to_latin_digits
from core.jalali import tehran_today, to_jalali
from core.text import normalize_text
from policies.models import Line, Question, TariffRule, TariffVersion

ONE = Decimal(1)


@dataclass(frozen=True)
class BreakdownItem:
    code: str
    label: str  # Persian
    amount: Decimal
    label_en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "label": self.label,
            "label_en": self.label_en,
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class Pricing:
    premium: Decimal
    breakdown: tuple[BreakdownItem, ...]
    term_days: int

    def breakdown_json(self) -> list[dict[str, str]]:
        return [item.as_dict() for item in self.breakdown]


class TariffError(ValidationError):
    """The answers fall outside what the tariff covers."""


# --- answers ---------------------------------------------------------------------------

_TRUE = {"1", "true", "on", "yes", "بله"}
_FALSE = {"0", "false", "off", "no", "خیر", ""}


def _number(raw: Any) -> Decimal:
    """A whole number in any digits, thousands grouped by "," "٬" "،" or not at all
    (``core.digits.number_text``: direction marks ignored, groups of three only)."""
    if type(raw) is int:
        return Decimal(raw)
    if isinstance(raw, (bool, float)):
        raise InvalidOperation
    text = number_text(raw)
    if not re.fullmatch(r"-?[0-9]+", text):
        raise InvalidOperation
    return Decimal(text)


def _choice_values(question: Question) -> tuple[frozenset[str], frozenset[str]]:
    """A choice question's values, and those of them already in normal form (normalising
    gives them back unchanged); read once per question object and its list of choices."""
    cached = question.__dict__.get("_choice_values")
    if cached is not None and cached[0] is question.choices:
        return cached[1], cached[2]
    values = frozenset(str(choice["value"]) for choice in question.choices)
    plain = frozenset(v for v in values if to_latin_digits(normalize_text(v)) == v)
    question.__dict__["_choice_values"] = (question.choices, values, plain)
    return values, plain


def answers_clean(
    *,
    line: Line,
    answers: Mapping[str, Any],
    stage: str = Question.Stage.QUOTE,
    questions: Sequence[Question] | None = None,
) -> dict[str, Any]:
    """Check answers against the line's questions of ``stage``; every bad field is reported.

    Persian and Arabic digits and thousands separators are accepted. Returns JSON-ready
    values: whole numbers as ``int``, amounts as ``str`` of whole rials, yes/no as ``bool``.
    """
    asked = [q for q in (questions or _questions(line.pk)) if q.stage == stage]
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in asked:
        raw = answers.get(question.code)
        if isinstance(raw, str):
            raw = raw.strip()
        empty = raw is None or raw == ""
        if question.kind == Question.Kind.BOOLEAN:
            text = str(raw).lower() if not isinstance(raw, bool) else ("1" if raw else "0")
            if raw is None or text in _FALSE:
                cleaned[question.code] = False
            elif text in _TRUE:
                cleaned[question.code] = True
            else:
                errors[question.code] = [_("Answer yes or no.")]
            continue
        if empty and question.default:
            raw, empty = question.default, False
        if empty:
            if question.required:
                errors[question.code] = [_("This field is required.")]
            continue
        if question.kind == Question.Kind.CHOICE:
            values, plain = _choice_values(question)
            # A value sent exactly as the option is written needs no normalising.
            value = (
                raw if type(raw) is str and raw in plain else to_latin_digits(normalize_text(raw))
            )
            if value not in values:
                errors[question.code] = [_("Choose one of the options.")]
            else:
                cleaned[question.code] = value
        elif question.kind in (Question.Kind.INTEGER, Question.Kind.AMOUNT):
            try:
                number = _number(raw)
            except (InvalidOperation, ValueError):
                errors[question.code] = [_("Enter a whole number.")]
                continue
            low, high = question.min_value, question.max_value
            # In the page's digits; amounts grouped, whole numbers (a year: 1360) not.
            grouped = question.kind == Question.Kind.AMOUNT
            if low is not None and number < low:
                errors[question.code] = [
                    _("Enter at least %(value)s.") % {"value": format_number(low, grouping=grouped)}
                ]
            elif high is not None and number > high:
                errors[question.code] = [
                    _("Enter at most %(value)s.") % {"value": format_number(high, grouping=grouped)}
                ]
            else:
                cleaned[question.code] = (
                    int(number) if question.kind == Question.Kind.INTEGER else str(number)
                )
        else:
            # Plates, chassis numbers, addresses: Persian text rules, Latin digits.
            text = to_latin_digits(normalize_text(raw))
            if question.pattern and not re.fullmatch(question.pattern, text):
                errors[question.code] = [_("The format is not valid.")]
            elif len(text) > 200:
                errors[question.code] = [_("Too long.")]
            else:
                cleaned[question.code] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- rules -----------------------------------------------------------------------------


def _questions(line_id: int) -> list[Question]:
    return list(Question.objects.filter(line_id=line_id).order_by("stage", "position", "id"))


def _lookup(rule: TariffRule, answers: Mapping[str, Any], year: int) -> Decimal | None:
    """The rule's number for these answers; None if the table has no row for them."""
    if not rule.table:
        return ONE
    codes = [code for code in rule.question.split("|") if code]
    if codes:
        values = [_term_value(code, answers, year) for code in codes]
        key = "|".join(str(value) for value in values)
        if key in rule.table:
            return Decimal(str(rule.table[key]))
        if len(values) == 1:
            number = _as_decimal(values[0])
            if number is not None:
                for band, result in rule.table.items():
                    if _in_band(number, band):
                        return Decimal(str(result))
    if "*" in rule.table:
        return Decimal(str(rule.table["*"]))
    return None


def _term_value(code: str, answers: Mapping[str, Any], year: int) -> Any:
    if code.startswith("age:"):
        return year - int(answers.get(code[4:], year))
    value = answers.get(code, "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _as_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _in_band(number: Decimal, band: str) -> bool:
    match = re.fullmatch(r"(-?\d+)?-(\d+)?", band)
    if not match or band == "-":
        return False
    low, high = match.groups()
    return (low is None or number >= Decimal(low)) and (high is None or number <= Decimal(high))


def _condition(text: str, answers: Mapping[str, Any]) -> bool:
    if not text:
        return True
    if "!=" in text:
        code, value = text.split("!=", 1)
        return str(_term_value(code, answers, 0)) != value
    if "=" in text:
        code, value = text.split("=", 1)
        return str(_term_value(code, answers, 0)) == value
    return bool(answers.get(text))


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def premium_calculate(
    *,
    version: TariffVersion,
    answers: Mapping[str, Any],
    on: dt.date | None = None,
    rules: Sequence[TariffRule] | None = None,
) -> Pricing:
    """Price cleaned ``answers`` with ``version``'s rules (``on`` sets the Jalali year)."""
    year = _jalali_year(on or tehran_today())
    amounts: dict[str, Decimal] = {}
    net = Decimal(0)
    items: list[BreakdownItem] = []
    for rule in rules if rules is not None else _rules(version):
        compiled = _compiled(rule)
        if not _condition(compiled.when, answers):
            continue
        number = compiled.lookup(answers, year)
        if number is None:
            field = rule.question.split("|")[0].removeprefix("age:") or "__all__"
            raise TariffError(
                {
                    field: [
                        _("This combination is not covered: %(rule)s.")
                        % {"rule": rule.display_label}
                    ]
                }
            )
        basis = _evaluate(compiled.basis, answers=answers, amounts=amounts, net=net, year=year)
        if rule.kind == TariffRule.Kind.FACTOR:
            amount = basis * (number - ONE)
        elif rule.kind == TariffRule.Kind.DISCOUNT:
            amount = -(basis * number)
        else:
            amount = basis * number
        for key, terms in compiled.bounds:
            bound = _evaluate(terms, answers=answers, amounts=amounts, net=net, year=year)
            if (key == "max" and abs(amount) > bound) or (key == "min" and abs(amount) < bound):
                amount = bound if amount >= 0 else -bound
        amount = _round(amount)
        amounts[rule.code] = amount
        if rule.kind != TariffRule.Kind.TAX:
            net += amount
        if amount or rule.kind in (TariffRule.Kind.BASE, TariffRule.Kind.RATE):
            items.append(
                BreakdownItem(
                    code=rule.code, label=rule.label, label_en=rule.label_en, amount=amount
                )
            )
    premium = sum((item.amount for item in items), Decimal(0))
    if premium <= 0:
        raise TariffError(_("The tariff gives no premium for these answers."))
    term_question = version.line.term_question
    term_days = int(answers.get(term_question, 0) or 0) if term_question else 0
    return Pricing(
        premium=premium, breakdown=tuple(items), term_days=term_days or version.line.term_days
    )


@functools.lru_cache(maxsize=8)
def _jalali_year(on: dt.date) -> int:
    return to_jalali(on).year


# --- rules compiled once -----------------------------------------------------------------
# Reading a rule's table, bands and expressions is the same work for every quote; it is
# done once per rule object (a catalog snapshot's rules live until the catalog changes, and
# a new tariff version comes with new rule objects). The compiled form remembers the very
# objects it was made from and is made again if any of them was replaced.

_Term = tuple[str, Any]  # ("subtotal" | "net" | "rule" | "answer" | "age" | "number" | "text", …)


def _terms(text: str) -> tuple[_Term, ...]:
    """An expression's terms (see the module's docstring), read once: numbers parsed,
    prefixes split off."""
    terms: list[_Term] = []
    for term in (part.strip() for part in text.split("*") if part.strip()):
        if term in ("subtotal", "net"):
            terms.append((term, None))
        elif term.startswith("rule:"):
            terms.append(("rule", term[5:]))
        elif term.startswith("answer:"):
            terms.append(("answer", term[7:]))
        elif term.startswith("age:"):
            terms.append(("age", term[4:]))
        else:
            try:
                terms.append(("number", Decimal(term)))
            except InvalidOperation:
                terms.append(("text", term))  # refused when evaluated, as before
    return tuple(terms)


def _evaluate(
    terms: tuple[_Term, ...],
    *,
    answers: Mapping[str, Any],
    amounts: dict[str, Decimal],
    net: Decimal,
    year: int,
) -> Decimal:
    """The value of an expression read by ``_terms`` for these answers."""
    value = ONE
    for kind, argument in terms:
        if kind == "number":
            value *= argument
        elif kind == "subtotal":
            value *= sum(amounts.values(), Decimal(0))
        elif kind == "net":
            value *= net
        elif kind == "rule":
            value *= amounts.get(argument, Decimal(0))
        elif kind == "answer":
            value *= Decimal(str(answers.get(argument, 0) or 0))
        elif kind == "age":
            value *= Decimal(year - int(answers.get(argument, year)))
        else:
            value *= Decimal(argument)
    return value


class _CompiledRule:
    """What ``premium_calculate`` reads of a rule, parsed once."""

    __slots__ = (
        "basis",
        "bands",
        "bounds",
        "codes",
        "numbers",
        "source",
        "star",
        "unread",
        "when",
    )

    def __init__(self, rule: TariffRule) -> None:
        self.source = (rule.table, rule.question, rule.basis, rule.params)
        table = rule.table or {}
        self.codes = tuple(code for code in rule.question.split("|") if code)
        # A table with a value that is not a number is read per quote, as before (it fails
        # only when that value is reached).
        self.unread: TariffRule | None = None
        try:
            self.numbers: dict[str, Decimal] | None = (
                {key: Decimal(str(value)) for key, value in table.items()} if table else None
            )
        except (InvalidOperation, ValueError):
            self.unread, self.numbers = rule, None
        self.bands: tuple[tuple[Decimal | None, Decimal | None, Decimal], ...] = tuple(
            (None if low is None else Decimal(low), None if high is None else Decimal(high), n)
            for key, n in (self.numbers or {}).items()
            for low, high in [_band(key)]
            if (low, high) != ("", "")
        )
        self.star = (self.numbers or {}).get("*")
        self.basis = _terms(rule.basis)
        self.when = rule.params.get("when", "")
        self.bounds = tuple(
            (key, _terms(str(rule.params[key]))) for key in ("min", "max") if rule.params.get(key)
        )

    def lookup(self, answers: Mapping[str, Any], year: int) -> Decimal | None:
        """``_lookup``'s number for these answers."""
        if self.unread is not None:
            return _lookup(self.unread, answers, year)
        if self.numbers is None:
            return ONE
        if self.codes:
            values = [_term_value(code, answers, year) for code in self.codes]
            key = "|".join(str(value) for value in values)
            number = self.numbers.get(key)
            if number is not None:
                return number
            if len(values) == 1 and self.bands:
                given = _as_decimal(values[0])
                if given is not None:
                    for low, high, result in self.bands:
                        if (low is None or given >= low) and (high is None or given <= high):
                            return result
        return self.star


def _band(key: str) -> tuple[str | None, str | None]:
    """A table key's band limits; ``("", "")`` when the key is not a band (``_in_band``)."""
    match = re.fullmatch(r"(-?\d+)?-(\d+)?", key)
    if not match or key == "-":
        return "", ""
    low, high = match.groups()
    return low, high


def _compiled(rule: TariffRule) -> _CompiledRule:
    compiled: _CompiledRule | None = getattr(rule, "_pricing_compiled", None)
    if compiled is not None:
        table, question, basis, params = compiled.source
        if (
            table is rule.table
            and question is rule.question
            and basis is rule.basis
            and params is rule.params
        ):
            return compiled
    compiled = _CompiledRule(rule)
    rule._pricing_compiled = compiled  # type: ignore[attr-defined]
    return compiled


_RULES: dict[int, list[TariffRule]] = {}


def _rules(version: TariffVersion) -> list[TariffRule]:
    """A version's rules, kept per process: a version in use never changes (docs/tariffs.md)."""
    rules = _RULES.get(version.pk)
    if rules is None:
        rules = list(version.rules.order_by("position", "id"))
        if version.status != TariffVersion.Status.DRAFT:
            _RULES[version.pk] = rules
    return rules
