"""The CRM's reports as the panel shows and exports them: for each report its title, its
filters, its columns, its selector and its cells (``crm.reporting.cells``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crm.reporting import cells
from crm.reporting.cells import (
    COUNT,
    CUSTOMER_COLUMNS,
    DATE,
    DECIMAL,
    DIGITS,
    POLICY_COLUMNS,
    RIALS,
    Col,
    Labels,
)
from crm.reporting.forms import Selection
from crm.selectors import reports as selectors
from crm.selectors.reports import Listing

PERIOD = ("date_from", "date_to")
BATCH = 2000


@dataclass(frozen=True)
class Report:
    key: str
    title: str | Promise
    description: str | Promise
    filters: tuple[str, ...]
    columns: tuple[Col, ...]
    cells: Callable[[dict[str, Any], Labels], list[Any]]
    # The report as a ``Listing`` (paged by keys, decision 062), or ``query_whole`` for a report
    # of few rows read whole (the totals per region).
    listing: Callable[[Selection], Listing] | None = None
    query_whole: Callable[[Selection], QuerySet[Any]] | None = None
    # The first ``grouped`` cells name the group a row belongs to (shown as headings).
    grouped: int = 0
    default_days: int = 30
    lines_key: str | None = "line_code"
    audience: bool = True
    # Where a row's customer is (its audience of bulk SMS).
    customer_key: str = "customer_id"

    def query(self, selection: Selection) -> QuerySet[Any]:
        """Every row of the report, in its order (exports and audiences)."""
        if self.listing is not None:
            return self.listing(selection).all()
        if self.query_whole is None:
            raise ImproperlyConfigured(f"Report {self.key} has neither a listing nor a query.")
        return self.query_whole(selection)

    @property
    def shown_columns(self) -> tuple[Col, ...]:
        """The columns of the table (the grouping ones are shown as headings)."""
        return self.columns[self.grouped :]

    def present(self, rows: list[dict[str, Any]], labels: Labels) -> list[list[Any]]:
        """Cells of a batch of rows (names of lines read once for the batch)."""
        if self.lines_key:
            labels.lines_for(rows, self.lines_key)
        return [self.cells(row, labels) for row in rows]

    def stream(self, selection: Selection, labels: Labels) -> Iterator[list[Any]]:
        """Every row's cells, read from the database a batch at a time (flat memory)."""
        batch: list[dict[str, Any]] = []
        for row in self.query(selection).iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) >= BATCH:
                yield from self.present(batch, labels)
                batch = []
        if batch:
            yield from self.present(batch, labels)


def _period(query: Callable[..., Listing]) -> Callable[[Selection], Listing]:
    return lambda s: query(first=s.first, last=s.last, today=s.today)


REPORTS: dict[str, Report] = {
    report.key: report
    for report in (
        Report(
            key="loyal",
            title=gettext_lazy("Loyal customers"),
            description=gettext_lazy(
                "Customers who renew with the agency and never complained nor disliked a gift."
            ),
            filters=("min_renewals", "min_years"),
            columns=(
                *CUSTOMER_COLUMNS,
                Col(gettext_lazy("Region")),
                Col(gettext_lazy("Renewals"), COUNT),
                Col(gettext_lazy("Policies"), COUNT),
                Col(gettext_lazy("Customer since"), DATE),
                Col(gettext_lazy("Premium (rials)"), RIALS),
                Col(gettext_lazy("Rank")),
            ),
            listing=lambda s: selectors.loyal_customers(
                today=s.today, min_renewals=s.min_renewals, min_years=s.min_years
            ),
            cells=cells.loyal_cells,
            lines_key=None,
            customer_key="id",
        ),
        Report(
            key="unhappy",
            title=gettext_lazy("Unhappy customers"),
            description=gettext_lazy(
                "Customers with a complaint not resolved or not upheld, or displeased with a gift."
            ),
            filters=(),
            columns=(
                *CUSTOMER_COLUMNS,
                Col(gettext_lazy("Region")),
                Col(gettext_lazy("Unresolved complaints"), COUNT),
                Col(gettext_lazy("Last complaint"), DATE),
                Col(gettext_lazy("Subject of the last complaint")),
                Col(gettext_lazy("Displeased with gifts"), COUNT),
            ),
            listing=lambda s: selectors.unhappy_customers(),
            cells=cells.unhappy_cells,
            lines_key=None,
            customer_key="id",
        ),
        Report(
            key="ranked",
            title=gettext_lazy("Customers by rank"),
            description=gettext_lazy("Customers by their rank and score, best first."),
            filters=("band",),
            columns=(
                Col(gettext_lazy("Rank")),
                Col(gettext_lazy("Score"), DECIMAL),
                *CUSTOMER_COLUMNS,
                Col(gettext_lazy("Region")),
                Col(gettext_lazy("Premium paid (rials)"), RIALS),
                Col(gettext_lazy("Purchases"), COUNT),
                Col(gettext_lazy("Claims paid (rials)"), RIALS),
                Col(gettext_lazy("Loss ratio"), DECIMAL),
                Col(gettext_lazy("Bounced cheques"), COUNT),
            ),
            listing=lambda s: selectors.ranked_customers(band=s.band),
            cells=cells.ranked_cells,
            lines_key=None,
        ),
        Report(
            key="not-expired",
            title=gettext_lazy("Policies not expired"),
            description=gettext_lazy("Policies in force whose expiry date falls in the period."),
            filters=PERIOD,
            columns=POLICY_COLUMNS,
            listing=_period(selectors.policies_not_expired),
            cells=cells.policy_cells,
        ),
        Report(
            key="not-renewed",
            title=gettext_lazy("Policies not renewed"),
            description=gettext_lazy(
                "Policies that expired in the period and were neither renewed nor cancelled."
            ),
            filters=PERIOD,
            columns=POLICY_COLUMNS,
            listing=_period(selectors.policies_not_renewed),
            cells=cells.policy_cells,
        ),
        Report(
            key="renewed",
            title=gettext_lazy("Policies renewed"),
            description=gettext_lazy("Policies whose expiry date falls in the period, renewed."),
            filters=PERIOD,
            columns=(*POLICY_COLUMNS, Col(gettext_lazy("Renewed by policy"), DIGITS)),
            listing=_period(selectors.policies_renewed),
            cells=cells.renewed_cells,
        ),
        Report(
            key="cancelled",
            title=gettext_lazy("Policies cancelled"),
            description=gettext_lazy("Policies cancelled in the period."),
            filters=PERIOD,
            columns=(*POLICY_COLUMNS[:-1], Col(gettext_lazy("Cancelled on"), DATE)),
            listing=_period(selectors.policies_cancelled),
            cells=cells.cancelled_cells,
        ),
        Report(
            key="lines-by-region",
            title=gettext_lazy("Best-selling lines per region"),
            description=gettext_lazy(
                "Policies sold here that started in the period, per region of the customer "
                "and line, most sold first."
            ),
            filters=(*PERIOD, "region"),
            columns=(
                Col(gettext_lazy("Region")),
                Col(gettext_lazy("Line")),
                Col(gettext_lazy("Policies"), COUNT),
                Col(gettext_lazy("Customers"), COUNT),
                Col(gettext_lazy("Premium (rials)"), RIALS),
            ),
            query_whole=lambda s: selectors.best_selling_lines(
                first=s.first, last=s.last, region_id=s.region_id
            ),
            cells=cells.lines_cells,
            grouped=1,
            audience=False,
        ),
        Report(
            key="other-insurers",
            title=gettext_lazy("Other insurers' policies expiring soon"),
            description=gettext_lazy(
                "Customers whose policy with another insurer expires within the days given."
            ),
            filters=("days",),
            columns=(
                *CUSTOMER_COLUMNS,
                Col(gettext_lazy("Insurer")),
                Col(gettext_lazy("Line")),
                Col(gettext_lazy("Policy number"), DIGITS),
                Col(gettext_lazy("Expiry date"), DATE),
                Col(gettext_lazy("Days left"), COUNT),
            ),
            listing=lambda s: selectors.other_insurers_expiring(today=s.today, days=s.days),
            cells=cells.other_expiring_cells,
        ),
        Report(
            key="unrenewed-days",
            title=gettext_lazy("Unrenewed policies, days from expiry"),
            description=gettext_lazy(
                "Policies expired in the last days given and not renewed, by agency or "
                "insurer, then line."
            ),
            filters=("days",),
            columns=(
                Col(gettext_lazy("Agency or insurer")),
                Col(gettext_lazy("Line")),
                Col(gettext_lazy("Policy number"), DIGITS),
                Col(gettext_lazy("Issue date"), DATE),
                Col(gettext_lazy("Insured")),
                Col(gettext_lazy("Marketer")),
                Col(gettext_lazy("Phone"), DIGITS),
                Col(gettext_lazy("Mobile"), DIGITS),
                Col(gettext_lazy("Expiry date"), DATE),
                Col(gettext_lazy("Notes")),
            ),
            listing=lambda s: selectors.unrenewed_since_expiry(today=s.today, days=s.days),
            cells=cells.unrenewed_cells,
            grouped=2,
            default_days=5,
        ),
    )
}


def report_get(key: str) -> Report:
    return REPORTS[key]
