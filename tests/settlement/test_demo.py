"""`make run` also loads the settlement demo once: an exported and confirmed day with one
difference, yesterday's batches waiting to be exported, last month's statements."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from settlement.models import (
    CommissionStatement,
    SettlementBatch,
    SettlementExport,
    SettlementMismatch,
)
from settlement.services.batches import last_ended_day
from tests.settlement.sales import ensure_default_rates

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_settlement_demo_loads_once(drop_schemas_after, private_files):
    ensure_default_rates()  # an earlier transactional test may have emptied the table
    call_command("catalog_load", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("load_sales_demo", verbosity=0)
    call_command("load_settlement_demo", verbosity=0)

    export = SettlementExport.objects.get()
    assert export.state == "done" and export.confirmation is not None
    assert export.confirmation.state == "applied"
    assert list(SettlementMismatch.objects.values_list("kind", flat=True)) == ["amount"]
    assert set(export.batches.values_list("state", flat=True)) == {"confirmed", "discrepant"}
    open_batches = SettlementBatch.objects.filter(day=last_ended_day(), state="open")
    assert sorted(open_batches.values_list("agency__code", "item_count")) == [(685, 2), (731, 1)]
    assert CommissionStatement.objects.filter(agency__code__in=(685, 731)).count() >= 2

    counts = (SettlementBatch.objects.count(), SettlementExport.objects.count())
    call_command("load_settlement_demo", verbosity=0)
    assert (SettlementBatch.objects.count(), SettlementExport.objects.count()) == counts
