"""A report table's cells are written in Python (2,000 agencies make 40,000 cells): each must
read exactly as the template filters wrote it, escaped, in Persian and in English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from reports.tables import COUNT, MINUTES, PERCENT, RIALS, TEXT, Col, Table

VALUES = [
    (TEXT, "نمایندگی 701 <b>&'\""),
    (TEXT, "1405"),
    (COUNT, 12),
    (COUNT, 0),
    (RIALS, Decimal("1234567")),
    (RIALS, Decimal("-2500000")),
    (RIALS, 0),
    (RIALS, Decimal("10.6")),
    (PERCENT, Decimal("12.50")),
    (MINUTES, Decimal("3.5")),
    (COUNT, None),
]
FILTERS = Template(
    "{% load jalali %}{% for kind, value in cells %}<td>{% if value is None %}—"
    '{% elif kind == "rials" %}{{ value|rials }}{% elif kind == "percent" or kind == "minutes" %}'
    "{{ value|fa_decimal }}{% else %}{{ value|fa_digits }}{% endif %}</td>{% endfor %}"
)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_cells_read_as_the_template_filters_wrote_them(language):
    table = Table("t", "t", [Col(str(n), kind) for n, (kind, _value) in enumerate(VALUES)])
    table.rows.append([value for _kind, value in VALUES])
    with translation.override(language):
        expected = FILTERS.render(Context({"cells": VALUES}))
        (row,) = table.html_body
    assert row == f"<tr>{expected}</tr>"
    assert "&lt;b&gt;" in row
