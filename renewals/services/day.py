"""The day's work of one agency: every part's builder puts the day's new items in, then each
kind's new items are given out (decision 041). Parts register their builder here from their
block in ``renewals.mounts``; the engine runs them in order, then the distribution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A builder: ``builder(agency=..., day=...)`` adds the day's new items of its kind (each item
# once: unique kind and policy) and returns how many it added.
Builder = Callable[..., int]


@dataclass(frozen=True)
class DayStep:
    key: str
    build: Builder
    position: int


_STEPS: dict[str, DayStep] = {}


def day_step_register(*, key: str, build: Builder, position: int) -> None:
    """Add (or replace, by ``key``) a builder of the day's items."""
    _STEPS[key] = DayStep(key=key, build=build, position=position)


def day_steps() -> list[DayStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.position, step.key))


@dataclass
class DayResult:
    day: dt.date
    built: dict[str, int] = field(default_factory=dict)
    given_out: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "built": self.built, "given_out": self.given_out}
