"""Commission pages read Persian text and numbers as typed (decision 020)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from settlement.models import CommissionPayout, CommissionRate
from tests.factories import create_user
from tests.settlement.test_statements_pages import OPS, statements  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

RLM = "\u200f"


def test_a_payout_note_amount_and_rate_typed_in_persian(client, statements, agency, line):  # noqa: F811
    mine = statements[agency.pk]
    client.force_login(create_user(insurer_role="operator"))
    paid = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {
            "amount": f"{RLM}۱٬۰۰۰٬۰۰۰",
            "paid_on": f"{RLM}۱۴۰۴/۰۹/۱۰",
            "reference": f"{RLM}TR-۹",
            "note": "نوبت  اول، بابت آبان  ماه\u200c",
        },
        HTTP_HOST=OPS,
    )
    assert paid.status_code == 302
    payout = CommissionPayout.objects.get()
    assert (payout.amount, payout.reference, payout.note) == (
        Decimal("1000000"),
        "TR-9",
        "نوبت اول، بابت آبان ماه",
    )

    client.force_login(create_user(insurer_role="admin"))
    added = client.post(
        "/commissions/rates/",
        {
            "agency_kind": "broker",
            "line_code": "test_line",
            "percent": f"{RLM}۱۳٫۲۵",
            "effective_from": "1405/10/01",
        },
        HTTP_HOST=OPS,
    )
    assert added.status_code == 302
    assert CommissionRate.objects.filter(percent=Decimal("13.25")).count() == 1


def test_an_amount_with_badly_grouped_separators_is_refused(client, statements, agency):  # noqa: F811
    mine = statements[agency.pk]
    client.force_login(create_user(insurer_role="operator"))
    refused = client.post(
        f"/commissions/{mine.pk}/payouts/",
        {"amount": "10,00", "paid_on": "1404/09/10", "reference": "TR-1"},
        HTTP_HOST=OPS,
    )
    assert refused.status_code == 400
    assert not CommissionPayout.objects.exists()


def test_the_statement_filter_reads_a_pasted_agency_code(client, statements, agency, other_agency):  # noqa: F811
    client.force_login(create_user(insurer_role="operator"))
    page = client.get(
        "/commissions/", {"agency": f"{RLM}٦٨٦{RLM}", "jalali_year": "۱۴۰۴"}, HTTP_HOST=OPS
    ).content.decode()
    assert f'id="statement-{statements[other_agency.pk].pk}"' in page
    assert f'id="statement-{statements[agency.pk].pk}"' not in page
    assert not re.search(r'invalid-feedback d-block">', page)
