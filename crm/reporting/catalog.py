"""The CRM's reports as the panel shows and exports them: for each report its title, its
filters, its columns and how a batch of the selector's rows becomes cells. The cells hold raw
values (``Decimal`` rials, ``int`` counts, ``date`` s, label text — never a code); the page
writes them in Persian digits and Jalali dates, the Excel file keeps numbers as numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import BookPolicy, CustomerRank
from crm.reporting.forms import Selection
from crm.selectors import reports as selectors
from crm.selectors.names import line_names
from policies.models import Question

TEXT = "text"  # shown as it is
DIGITS = "digits"  # text of digits (numbers of policies, phones): the page's digits
COUNT = "count"
RIALS = "rials"
DECIMAL = "decimal"
DATE = "date"  # a date or an aware datetime, shown as its Jalali (Tehran) day

PERIOD = ("date_from", "date_to")
BATCH = 2000


@dataclass(frozen=True)
class Col:
    title: str | Promise
    kind: str = TEXT


# The insurers of the quote form's list (policies' "previous insurer" question), named when
# the catalog has no such question; the catalog's own names win.
INSURERS = {
    "iran": gettext_lazy("Iran Insurance"),
    "asia": gettext_lazy("Asia Insurance"),
    "dana": gettext_lazy("Dana Insurance"),
    "alborz": gettext_lazy("Alborz Insurance"),
}


class Labels:
    """Names of what rows hold as codes, read once per request (lines a batch at a time)."""

    def __init__(self, agency: Any, today: Any) -> None:
        self.agency = agency
        self.today = today
        self._lines: dict[str, str] = {}
        self._insurers: dict[str, str] | None = None

    def lines_for(self, rows: list[dict[str, Any]], key: str = "line_code") -> None:
        wanted = {row[key] for row in rows} - set(self._lines)
        if wanted:
            names = line_names(wanted)
            self._lines.update({code: names.get(code, _("Other line")) for code in wanted})

    def line(self, code: str) -> str:
        return self._lines.get(code) or _("Other line")

    def insurer(self, row: dict[str, Any]) -> str:
        if row["origin"] == BookPolicy.Origin.LEDGER:
            return _("This agency")
        if row["insurer_name"]:
            return row["insurer_name"]
        if self._insurers is None:
            self._insurers = {code: str(name) for code, name in INSURERS.items()}
            for question in Question.objects.filter(code="previous_insurer"):
                self._insurers.update(dict(question.display_choices))
        return self._insurers.get(row["insurer_code"]) or _("Another insurer")


def customer_name(row: dict[str, Any], prefix: str = "") -> str:
    party, company = row[f"{prefix}party"], row[f"{prefix}company_name"]
    if party == "company" and company:
        return company
    person = f"{row[f'{prefix}first_name']} {row[f'{prefix}last_name']}".strip()
    return person or company


def marketer_name(row: dict[str, Any]) -> str:
    name = f"{row['marketer__first_name'] or ''} {row['marketer__last_name'] or ''}".strip()
    return name or _("Direct sale")


def state_label(value: str) -> str:
    return str(BookPolicy.State(value).label)


@dataclass(frozen=True)
class Report:
    key: str
    title: str | Promise
    description: str | Promise
    filters: tuple[str, ...]
    columns: tuple[Col, ...]
    query: Callable[[Selection], QuerySet[Any]]
    cells: Callable[[dict[str, Any], Labels], list[Any]]
    # The first ``grouped`` cells name the group a row belongs to (shown as headings).
    grouped: int = 0
    default_days: int = 30
    lines_key: str | None = "line_code"
    audience: bool = True
    # Where a row's customer is (its audience of bulk SMS).
    customer_key: str = "customer_id"

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


# ---- the columns and cells of each report --------------------------------------------------

CUSTOMER_COLUMNS = (Col(gettext_lazy("Customer")), Col(gettext_lazy("Mobile"), DIGITS))


def _customer(row: dict[str, Any], prefix: str = "") -> list[Any]:
    return [customer_name(row, prefix), row[f"{prefix}mobile"]]


def _band(value: str | None) -> str:
    return str(CustomerRank.Band(value).label) if value else _("Not ranked")


def _loyal(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *_customer(row),
        row["region__name"] or "",
        row["renewals"],
        row["policies"],
        row["since"],
        row["premium"],
        _band(row["rank__band"]),
    ]


def _unhappy(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *_customer(row),
        row["region__name"] or "",
        row["unsettled_complaints"],
        row["last_complaint_at"],
        row["last_complaint_subject"] or "",
        row["displeased_gifts"],
    ]


def _ranked(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        _band(row["band"]),
        row["score"],
        *_customer(row, "customer__"),
        row["customer__region__name"] or "",
        row["premium_paid"],
        row["purchase_count"],
        row["claims_paid"],
        row["loss_ratio"],
        row["bounced_cheques"],
    ]


POLICY_COLUMNS = (
    Col(gettext_lazy("Policy number"), DIGITS),
    Col(gettext_lazy("Insurer")),
    Col(gettext_lazy("Line")),
    Col(gettext_lazy("Insured")),
    Col(gettext_lazy("Mobile"), DIGITS),
    Col(gettext_lazy("Start date"), DATE),
    Col(gettext_lazy("Expiry date"), DATE),
    Col(gettext_lazy("Premium (rials)"), RIALS),
    Col(gettext_lazy("Marketer")),
    Col(gettext_lazy("State")),
)


def _policy(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        row["number"],
        labels.insurer(row),
        labels.line(row["line_code"]),
        *_customer(row, "customer__"),
        row["start_date"],
        row["end_date"],
        row["premium"],
        marketer_name(row),
        state_label(row["state"]),
    ]


def _renewed(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [*_policy(row, labels), row["renewed_by__number"] or ""]


def _cancelled(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [*_policy(row, labels)[:-1], row["state_changed_at"]]


def _lines(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        row["customer__region__name"] or _("No region"),
        labels.line(row["line_code"]),
        row["policies"],
        row["customers"],
        row["premium"],
    ]


def _other_expiring(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *_customer(row, "customer__"),
        labels.insurer(row),
        labels.line(row["line_code"]),
        row["number"],
        row["end_date"],
        (row["end_date"] - labels.today).days,
    ]


def _unrenewed(row: dict[str, Any], labels: Labels) -> list[Any]:
    if row["origin"] == BookPolicy.Origin.LEDGER:
        group = _("Agency: %(name)s, code %(code)s") % {
            "name": labels.agency.name,
            "code": labels.agency.code,
        }
    else:
        group = _("Other insurer: %(name)s") % {"name": labels.insurer(row)}
    return [
        group,
        labels.line(row["line_code"]),
        row["number"],
        row["issued_on"] or row["start_date"],
        customer_name(row, "customer__"),
        marketer_name(row),
        row["customer_phone"] or "",
        row["customer__mobile"],
        row["end_date"],
        "",
    ]


def _period(query: Callable[..., QuerySet[Any]]) -> Callable[[Selection], QuerySet[Any]]:
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
            query=lambda s: selectors.loyal_customers(
                today=s.today, min_renewals=s.min_renewals, min_years=s.min_years
            ),
            cells=_loyal,
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
            query=lambda s: selectors.unhappy_customers(),
            cells=_unhappy,
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
            query=lambda s: selectors.ranked_customers(band=s.band),
            cells=_ranked,
            lines_key=None,
        ),
        Report(
            key="not-expired",
            title=gettext_lazy("Policies not expired"),
            description=gettext_lazy("Policies in force whose expiry date falls in the period."),
            filters=PERIOD,
            columns=POLICY_COLUMNS,
            query=_period(selectors.policies_not_expired),
            cells=_policy,
        ),
        Report(
            key="not-renewed",
            title=gettext_lazy("Policies not renewed"),
            description=gettext_lazy(
                "Policies that expired in the period and were neither renewed nor cancelled."
            ),
            filters=PERIOD,
            columns=POLICY_COLUMNS,
            query=_period(selectors.policies_not_renewed),
            cells=_policy,
        ),
        Report(
            key="renewed",
            title=gettext_lazy("Policies renewed"),
            description=gettext_lazy("Policies whose expiry date falls in the period, renewed."),
            filters=PERIOD,
            columns=(*POLICY_COLUMNS, Col(gettext_lazy("Renewed by policy"), DIGITS)),
            query=_period(selectors.policies_renewed),
            cells=_renewed,
        ),
        Report(
            key="cancelled",
            title=gettext_lazy("Policies cancelled"),
            description=gettext_lazy("Policies cancelled in the period."),
            filters=PERIOD,
            columns=(*POLICY_COLUMNS[:-1], Col(gettext_lazy("Cancelled on"), DATE)),
            query=_period(selectors.policies_cancelled),
            cells=_cancelled,
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
            query=lambda s: selectors.best_selling_lines(
                first=s.first, last=s.last, region_id=s.region_id
            ),
            cells=_lines,
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
            query=lambda s: selectors.other_insurers_expiring(today=s.today, days=s.days),
            cells=_other_expiring,
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
            query=lambda s: selectors.unrenewed_since_expiry(today=s.today, days=s.days),
            cells=_unrenewed,
            grouped=2,
            default_days=5,
        ),
    )
}


def report_get(key: str) -> Report:
    return REPORTS[key]
