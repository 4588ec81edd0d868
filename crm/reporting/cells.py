"""The cells of the CRM's reports: what each row shows, as raw values (``Decimal`` rials,
``int`` counts, ``date`` s, label text — never a code). The page writes them in Persian digits
and Jalali dates; the Excel file keeps numbers as numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import BookPolicy, CustomerRank
from crm.selectors.book import insurer_choices
from crm.selectors.names import line_names

TEXT = "text"  # shown as it is
DIGITS = "digits"  # text of digits (numbers of policies, phones): the page's digits
COUNT = "count"
RIALS = "rials"
DECIMAL = "decimal"
DATE = "date"  # a date or an aware datetime, shown as its Jalali (Tehran) day


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
            self._insurers.update(insurer_choices())
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


CUSTOMER_COLUMNS = (Col(gettext_lazy("Customer")), Col(gettext_lazy("Mobile"), DIGITS))


def customer_cells(row: dict[str, Any], prefix: str = "") -> list[Any]:
    return [customer_name(row, prefix), row[f"{prefix}mobile"]]


def band_label(value: str | None) -> str:
    return str(CustomerRank.Band(value).label) if value else _("Not ranked")


def loyal_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *customer_cells(row),
        row["region__name"] or "",
        row["renewals"],
        row["policies"],
        row["since"],
        row["premium"],
        band_label(row["rank__band"]),
    ]


def unhappy_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *customer_cells(row),
        row["region__name"] or "",
        row["unsettled_complaints"],
        row["last_complaint_at"],
        row["last_complaint_subject"] or "",
        row["displeased_gifts"],
    ]


def ranked_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        band_label(row["band"]),
        row["score"],
        *customer_cells(row, "customer__"),
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


def policy_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        row["number"],
        labels.insurer(row),
        labels.line(row["line_code"]),
        *customer_cells(row, "customer__"),
        row["start_date"],
        row["end_date"],
        row["premium"],
        marketer_name(row),
        state_label(row["state"]),
    ]


def renewed_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [*policy_cells(row, labels), row["renewed_by__number"] or ""]


def cancelled_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [*policy_cells(row, labels)[:-1], row["state_changed_at"]]


def lines_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        row["customer__region__name"] or _("No region"),
        labels.line(row["line_code"]),
        row["policies"],
        row["customers"],
        row["premium"],
    ]


def other_expiring_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
    return [
        *customer_cells(row, "customer__"),
        labels.insurer(row),
        labels.line(row["line_code"]),
        row["number"],
        row["end_date"],
        (row["end_date"] - labels.today).days,
    ]


def unrenewed_cells(row: dict[str, Any], labels: Labels) -> list[Any]:
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
