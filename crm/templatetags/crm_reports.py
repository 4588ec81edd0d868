"""A CRM report's table cells, written in Python (a page has 50 rows of ten cells: one
template ``include`` per cell cost more than the page's queries, decision 062)::

    {% load crm_reports %}<tr>{{ row|report_cells:report.grouped }}</tr>

``row`` is a list of ``(column, value)``; the first ``grouped`` cells are the group headings
(the page shows them above the rows). Rials and counts
grouped, decimals with the Persian separator, Jalali dates, digits left to right, a
customer's name linked to the card, "—" for nothing."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.templatetags.jalali import fa_decimal, fa_digits, jdate, num, rials
from crm.reporting.cells import COUNT, DATE, DECIMAL, DIGITS, RIALS

register = template.Library()

_PLAIN = {RIALS: rials, COUNT: num, DATE: jdate}


def report_cell(column: Any, value: Any) -> str:
    """One cell's content, escaped."""
    if value is None or value == "":
        return "—"
    pk = getattr(value, "customer_pk", None)
    if pk:
        return format_html(
            '<a href="{}">{}</a>', reverse("panel-crm-customers:detail", args=[pk]), value.name
        )
    kind = column.kind
    if kind in _PLAIN:
        return conditional_escape(_PLAIN[kind](value))
    if kind == DECIMAL:
        return conditional_escape(fa_decimal(floatformat(value, "-2")))
    if kind == DIGITS:
        return format_html('<span dir="ltr">{}</span>', fa_digits(value))
    return conditional_escape(value)


@register.filter
def report_cells(row: list[tuple[Any, Any]], grouped: int = 0) -> SafeString:
    """The ``<td>`` cells of a row, past its ``grouped`` group cells."""
    return mark_safe(  # noqa: S308 - every cell is escaped by report_cell
        "".join(f"<td>{report_cell(column, value)}</td>" for column, value in row[grouped:])
    )
