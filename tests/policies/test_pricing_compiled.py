"""A tariff rule is read once per rule object (decision 066): a new tariff version, or a rule
whose table or expressions are replaced, is priced by what it says now, never by a form
read earlier; and the rule read once prices exactly as the rule read every time did."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from policies.models import Line, TariffRule, TariffVersion
from policies.pricing import TariffError, _lookup, answers_clean, premium_calculate
from policies.services.catalog import tariff_version_import
from policies.services.quotes import quote_create, quote_flush
from tests.policies.test_tariffs import EXAMPLES, ON

TRAVEL = EXAMPLES[6][1]  # schengen, 31 days: 10,010,000 rials on version 1
ROOT = Path(__file__).resolve().parents[2]


def test_a_new_version_is_priced_by_its_own_rules_in_a_warm_process(catalog):
    # Given quotes priced (and their rules read) in this process
    line = Line.objects.get(code="travel")
    for _ in range(3):
        assert quote_create(line="travel", answers=TRAVEL, agency=None, defer=True).premium == (
            Decimal(10_010_000)
        )
    # When a new version changes a number of the table
    text = (ROOT / "policies/tariffs/travel-v1.csv").read_text()
    v2 = tariff_version_import(
        line=line, text=text.replace("schengen|31=9100000", "schengen|31=9500000"), activate=True
    )
    # Then the next quote of this process is priced by it, not by the rules read before
    quote = quote_create(line="travel", answers=TRAVEL, agency=None, defer=True)
    assert (quote.tariff_version_id, quote.premium) == (v2.pk, Decimal(10_450_000))
    quote_flush()


def test_a_rule_whose_table_or_basis_is_replaced_is_read_again(catalog):
    line = Line.objects.get(code="travel")
    version = TariffVersion.objects.get(line=line, status="active")
    rules = list(version.rules.order_by("position", "id"))
    answers = answers_clean(line=line, answers=TRAVEL)
    assert premium_calculate(version=version, answers=answers, on=ON, rules=rules).premium == (
        Decimal(10_010_000)
    )
    base = next(rule for rule in rules if rule.code == "base")
    base.table = {**base.table, "schengen|31": "9500000"}
    assert premium_calculate(version=version, answers=answers, on=ON, rules=rules).premium == (
        Decimal(10_450_000)
    )
    base.basis = "2"
    doubled = premium_calculate(version=version, answers=answers, on=ON, rules=rules)
    assert next(item for item in doubled.breakdown if item.code == "base").amount == Decimal(
        19_000_000
    )


def _rule(**fields) -> TariffRule:
    defaults = {"question": "", "basis": "", "params": {}}
    return TariffRule(code="r", label="r", kind=TariffRule.Kind.BASE, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("question", "table", "answers"),
    [
        ("age", {"-17": "0.5", "18-64": "1", "65-": "2", "*": "3"}, {"age": 70}),
        ("age", {"-17": "0.5", "18-64": "1", "65-": "2", "*": "3"}, {"age": 10}),
        ("age", {"-17": "0.5", "18-64": "1"}, {"age": 70}),
        ("age", {"5": "4", "1-9": "1", "*": "3"}, {"age": "5"}),
        ("age", {"-": "4", "*": "3"}, {"age": "x"}),
        ("zone|days", {"eu|7": "1.25", "*": "2"}, {"zone": "eu", "days": 7}),
        ("zone|days", {"eu|7": "1.25"}, {"zone": "eu", "days": 8}),
        ("car", {"yes": "1.1", "no": "0.9"}, {"car": True}),
        ("age:year", {"0-4": "1", "5-": "1.5"}, {"year": 1398}),
        ("", {}, {}),
        ("", {"*": "7"}, {}),
    ],
)
def test_a_rule_read_once_looks_up_what_the_rule_read_every_time_did(question, table, answers):
    rule = _rule(question=question, table=table)
    expected = _lookup(rule, answers, 1405)
    rules = [rule]
    version = TariffVersion(line=Line(code="l", term_days=365))
    if expected is None:
        with pytest.raises(TariffError):
            premium_calculate(version=version, answers=answers, on=ON, rules=rules)
        return
    pricing = premium_calculate(version=version, answers=answers, on=ON, rules=rules)
    assert pricing.premium == expected.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def test_a_table_value_that_is_not_a_number_fails_only_when_reached():
    rule = _rule(question="zone", table={"eu": "1000", "asia": "oops"})
    version = TariffVersion(line=Line(code="l", term_days=365))
    assert premium_calculate(
        version=version, answers={"zone": "eu"}, on=ON, rules=[rule]
    ).premium == Decimal(1000)
    with pytest.raises(ArithmeticError):
        premium_calculate(version=version, answers={"zone": "asia"}, on=ON, rules=[rule])


def _choice_question(values: list[str]):
    from policies.models import Question

    return Question(
        code="usage",
        label="usage",
        kind=Question.Kind.CHOICE,
        stage=Question.Stage.QUOTE,
        choices=[{"value": value, "label": value} for value in values],
    )


def _clean(question, raw):
    from django.core.exceptions import ValidationError

    try:
        return answers_clean(line=Line(code="x"), answers={"usage": raw}, questions=[question])
    except ValidationError as error:
        return error.message_dict


def test_a_choice_is_matched_as_typed_or_normalised_the_same_with_options_read_once():
    # Options read once per question: an answer sent exactly as written, one in Persian
    # digits or with direction marks and spaces, and one that is not an option.
    question = _choice_question(["personal", "4", "کار"])
    assert _clean(question, "personal") == {"usage": "personal"}
    assert _clean(question, " personal ") == {"usage": "personal"}
    assert _clean(question, "\u200fpersonal") == {"usage": "personal"}
    assert _clean(question, "۴") == {"usage": "4"}
    assert _clean(question, 4) == {"usage": "4"}
    assert _clean(question, "كار") == {"usage": "کار"}  # Arabic kaf: the Persian option
    assert "usage" in _clean(question, "taxi")


def test_an_option_not_written_in_normal_form_is_refused_as_before():
    # An option stored with an Arabic kaf is never what a normalised answer reads, exactly
    # typed or not (the admin form normalises options; this guards the shortcut).
    question = _choice_question(["كار"])
    assert "usage" in _clean(question, "كار")
    assert "usage" in _clean(question, "کار")


def test_a_question_whose_options_are_replaced_is_read_again():
    question = _choice_question(["personal", "taxi"])
    assert _clean(question, "taxi") == {"usage": "taxi"}
    question.choices = [{"value": "personal", "label": "personal"}]
    assert "usage" in _clean(question, "taxi")
    assert _clean(question, "personal") == {"usage": "personal"}


def test_a_premium_is_priced_in_tehrans_jalali_year(catalog, settings):
    # Ages and vehicle years count from the Jalali year of Tehran's date, not of UTC's.
    import datetime as dt

    from django.utils import timezone

    from core.jalali import tehran, to_jalali
    from policies.pricing import _jalali_year

    today = timezone.localdate(timezone.now(), tehran())
    assert _jalali_year(today) == to_jalali(today).year
    assert _jalali_year(dt.date(2026, 3, 20)) == 1404
    assert _jalali_year(dt.date(2026, 3, 21)) == 1405
