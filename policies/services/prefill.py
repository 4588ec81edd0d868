"""The answers a renewal quote starts from (S-2.6, S-7.3; decisions 043 and 050).

Shared by the customer's "renew" on the account page (``policies.views.renew``) and the
agency's renewal of a policy of its book (``renewals.services.online``): the old order's quote
answers and purchase details are carried over, the no-claim years advanced by one unless the
policy had a claim, the previous insurer made ours, and the days since expiry brought up to
date. A policy held with another insurer (no order of ours) gives only its insurer and plate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from core.text import search_key
from policies.models import Order, Question

# The quote questions a renewal brings up to date (policies/tariffs/questions.csv).
NO_CLAIM = "no_claim_years"
PREVIOUS_INSURER = "previous_insurer"
DAYS_SINCE_EXPIRY = "days_since_expiry"
PLATE = "plate_number"
NO_PREVIOUS = "none"  # "I have no previous policy"
OTHER_INSURER = "other"


@dataclass(frozen=True)
class RenewalPrefill:
    """What a renewal quote starts from: ``answers`` (quote questions) and ``details``
    (purchase details) by question code; ``missing`` names the required quote questions
    still without an answer (staff or the customer fill them)."""

    line_code: str
    answers: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    national_code: str = ""
    birth_date: dt.date | None = None


def own_insurer_code(question: Question) -> str | None:
    """Our insurer's code in the quote form's list of insurers, if the list names it."""
    ours = search_key(str(settings.INSURER_NAME))
    for value, label in question.display_choices:
        if search_key(label) == ours or search_key(label.replace("بیمه", "", 1)) == ours:
            return value
    for choice in question.choices:
        if search_key(str(choice.get("label", ""))) == ours:
            return str(choice["value"])
    return None


def choice_codes(question: Question) -> set[str]:
    return {str(choice["value"]) for choice in question.choices}


def missing_answers(questions: Iterable[Question], answers: Mapping[str, Any]) -> list[str]:
    """The required questions without an answer or a default, in the form's order."""
    return [
        q.code
        for q in sorted(questions, key=lambda q: (q.position, q.pk))
        if q.required and str(answers.get(q.code, "")).strip() == "" and not q.default
    ]


def renewal_prefill(
    *,
    line_code: str,
    order_id: int | None,
    had_claim: Callable[[], bool],
    end_date: dt.date | None,
    on: dt.date,
    insurer_code: str = "",
    plate: str = "",
) -> RenewalPrefill:
    """The renewal quote's answers of a policy of ``line_code`` sold by the order
    ``order_id`` (``None`` for another insurer's policy, described by ``insurer_code`` and
    ``plate``). ``had_claim`` is asked only when the old answers carry no-claim years."""
    questions = list(Question.objects.filter(line__code=line_code))
    quote_questions = {q.code: q for q in questions if q.stage == Question.Stage.QUOTE}
    detail_codes = {q.code for q in questions if q.stage == Question.Stage.DETAILS}
    answers: dict[str, Any] = {}
    details: dict[str, Any] = {}
    national_code = ""
    birth_date = None
    old = None
    if order_id:
        old = (
            Order.objects.filter(pk=order_id)
            .values("quote__answers", "details", "insured_national_code", "insured_birth_date")
            .first()
        )
    if old is not None:
        answers = {
            code: value
            for code, value in (old["quote__answers"] or {}).items()
            if code in quote_questions
        }
        details = {
            code: value for code, value in (old["details"] or {}).items() if code in detail_codes
        }
        national_code = old["insured_national_code"] or ""
        birth_date = old["insured_birth_date"]
        no_claim = quote_questions.get(NO_CLAIM)
        if no_claim is not None and str(answers.get(NO_CLAIM, "")).strip().isdigit():
            years = int(str(answers[NO_CLAIM]).strip())
            if not had_claim():
                years += 1
                if no_claim.max_value is not None:
                    years = min(years, int(no_claim.max_value))
            answers[NO_CLAIM] = years
        insurer = quote_questions.get(PREVIOUS_INSURER)
        if insurer is not None:
            ours = own_insurer_code(insurer)
            if ours is not None:
                answers[PREVIOUS_INSURER] = ours
            elif answers.get(PREVIOUS_INSURER) == NO_PREVIOUS and OTHER_INSURER in choice_codes(
                insurer
            ):
                # The customer now has a previous policy (ours): "none" would drop the
                # no-claim discount; the list does not name our insurer, so "other".
                answers[PREVIOUS_INSURER] = OTHER_INSURER
    else:
        insurer = quote_questions.get(PREVIOUS_INSURER)
        if insurer is not None and insurer_code in choice_codes(insurer):
            answers[PREVIOUS_INSURER] = insurer_code
        if PLATE in detail_codes and plate:
            details[PLATE] = plate
    if DAYS_SINCE_EXPIRY in quote_questions and end_date is not None:
        answers[DAYS_SINCE_EXPIRY] = max(0, (on - end_date).days)
    return RenewalPrefill(
        line_code=line_code,
        answers=answers,
        details=details,
        missing=missing_answers(quote_questions.values(), answers),
        national_code=national_code,
        birth_date=birth_date,
    )
