"""A sale's answers as people read them: each question's name and the answer in words.

Answers are stored by question code with Latin digits (``{"plate_number": "12ب345-67"}``);
pages, the policy PDF and the audit log show the question's name in the page's language and
the answer with the page's digits, except Latin codes (chassis, engine, passport numbers),
which keep theirs (decision 021).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from core.digits import format_number, localize_digits
from policies.models import Order, Question


@dataclass(frozen=True)
class AnswerShown:
    label: str
    value: str
    latin: bool = False  # a Latin code: shown with its Latin digits, left to right


def answer_shown(question: Question, value: Any) -> str:
    """One answer in words: a choice's name, yes/no, a grouped amount, digits of the page."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if question.kind == Question.Kind.CHOICE:
        name = question.choice_label(value)
        if name is not None:
            return name
    if question.kind == Question.Kind.AMOUNT:
        return format_number(value)
    if question.is_latin_code:
        return str(value)
    return localize_digits(value)


def answers_shown(
    questions: Iterable[Question], answers: dict[str, Any], *, skip_no: bool = False
) -> list[AnswerShown]:
    """The answered ``questions`` in order; ``skip_no`` leaves out covers answered no."""
    shown = []
    for question in questions:
        if question.code not in answers:
            continue
        value = answers[question.code]
        if skip_no and value is False:
            continue
        shown.append(
            AnswerShown(
                label=question.display_label,
                value=answer_shown(question, value),
                latin=question.is_latin_code,
            )
        )
    return shown


def order_answers_shown(order: Order, *, stages: tuple[str, ...] = ("quote", "details")) -> list:
    """The quote's answers and the purchase's extra details of ``order``, by question."""
    answers: dict[str, Any] = {}
    if "quote" in stages:
        answers.update(order.quote.answers)
    if "details" in stages:
        answers.update(order.details)
    questions = [q for q in order.line.questions.all() if q.stage in stages]
    return answers_shown(questions, answers)
