"""Two answers at the same moment, each in its own thread and connection: the same agency
gets one answer in, two agencies get numbers 1 and 2 (the request's row lock orders them)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from advice.models import AdviceAnswer
from advice.services import advice_answer
from core.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def _together(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=30)
            try:
                call()
                outcome = "in"
            except Conflict as refused:
                outcome = refused.code or "conflict"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_two_answers_of_one_agency_at_once_make_one(posted, near):
    first = near[0]
    calls = [
        lambda n=n: advice_answer(request_id=posted.pk, agency=first, actor=None, message=f"{n}")
        for n in range(2)
    ]
    assert _together(calls) == ["answered", "in"]
    assert AdviceAnswer.objects.filter(request=posted).count() == 1


def test_two_agencies_at_once_are_numbered_one_and_two(posted, near):
    calls = [
        lambda agency=agency: advice_answer(
            request_id=posted.pk, agency=agency, actor=None, message="پاسخ"
        )
        for agency in near
    ]
    assert _together(calls) == ["in", "in"]
    numbers = sorted(AdviceAnswer.objects.filter(request=posted).values_list("number", flat=True))
    assert numbers == [1, 2]
