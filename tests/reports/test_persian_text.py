"""The audit log's agency filter reads a code pasted from a Persian page (decision 020)."""

from __future__ import annotations

import pytest

from core.audit import audit_record
from tests.reports.conftest import OPS, make_agency
from tests.reports.pages import html_table

pytestmark = pytest.mark.django_db


def test_the_agency_filter_reads_persian_digits_and_direction_marks(client, operator):
    mine, other = make_agency(code=7601), make_agency(code=7602)
    audit_record(actor=None, action="agency.mine", target=mine, agency_id=mine.pk)
    audit_record(actor=None, action="agency.other", target=other, agency_id=other.pk)
    client.force_login(operator)
    html = client.get("/audit/", {"agency": "\u200f۷۶۰۱\u200f"}, HTTP_HOST=OPS).content.decode()
    assert "invalid-feedback" not in html
    assert len(html_table(html, "audit-rows")[1]) == 1
    assert "۷۶۰۲" not in html and "7602" not in html
