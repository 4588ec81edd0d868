"""The figures a benchmark run collects, and the Markdown page they become."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Row:
    section: str
    measure: str
    value: str
    target: str = ""
    passed: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    section: str = ""

    def add(
        self, measure: str, value: str, *, target: str = "", passed: bool | None = None
    ) -> None:
        self.rows.append(Row(self.section, measure, value, target, passed))
        verdict = "" if passed is None else (" PASS" if passed else " FAIL")
        print(f"  {measure}: {value}{f' (target {target})' if target else ''}{verdict}", flush=True)

    def note(self, text: str) -> None:
        self.notes.setdefault(self.section, []).append(text)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.passed is False]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1_000_000:.0f} µs"
