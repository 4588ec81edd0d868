"""Pieces the reports share: the agency a row belongs to, and PostgreSQL's percentiles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Aggregate, DurationField


@dataclass(frozen=True)
class AgencyRef:
    """The agency a figure belongs to, read in the same query as the figure."""

    id: int
    code: int
    name: str
    kind: str = ""
    province: str = ""


def agency_fields(prefix: str) -> tuple[str, ...]:
    """The ``values()`` names that let :func:`agency_from` rebuild the agency of a row."""
    return tuple(f"{prefix}{name}" for name in ("id", "code", "name", "kind", "province"))


def agency_from(row: dict[str, Any], prefix: str) -> AgencyRef | None:
    """The row's agency, or ``None`` for the virtual branch's own sales."""
    if row[f"{prefix}id"] is None:
        return None
    return AgencyRef(
        id=row[f"{prefix}id"],
        code=row[f"{prefix}code"],
        name=row[f"{prefix}name"],
        kind=row[f"{prefix}kind"],
        province=row[f"{prefix}province"],
    )


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` of intervals."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(fraction)
        super().__init__(
            expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra
        )


def grouped(queryset: Any) -> Iterator[dict[str, Any]]:
    """The rows of a ``values(…).annotate(…)`` query (the stubs cannot name the aggregates
    passed as ``**figures``)."""
    return iter(queryset)
