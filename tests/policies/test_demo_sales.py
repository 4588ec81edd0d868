"""`make run` loads the catalog and the sales demo once; running them again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from policies.models import AgencyLine, Line, Order, TariffVersion
from policies.selectors import lines_for_site
from policies.selectors_issuance import issuance_queue
from tenants.models import Agency

pytestmark = pytest.mark.django_db(transaction=True)


def test_catalog_and_sales_demo_load_once(drop_schemas_after):
    call_command("catalog_load", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("load_sales_demo", verbosity=0)
    queued, offered = Order.objects.order_by("id")
    for order in (queued, offered):
        assert (order.state, order.channel, order.agency_id) == ("paid", "main", None)
        assert order.payments.get().state == "succeeded"
    # The first is collected in person with no location: the virtual branch's; the second
    # is offered to the agencies near the customer in Tehran, ar685 among them.
    assert issuance_queue().get() == queued
    offered.refresh_from_db()
    assert offered.awaiting_agency
    nearest = offered.referral.offers.order_by("distance_m").first()
    assert nearest.agency.code == 685 and nearest.state == "waiting"
    agency_712 = Agency.objects.get(code=712)
    assert AgencyLine.objects.get(agency=agency_712).line.code == "travel"
    assert "travel" not in set(lines_for_site(agency=agency_712).values_list("code", flat=True))
    counts = (Line.objects.count(), TariffVersion.objects.count(), Order.objects.count())
    call_command("catalog_load", verbosity=0)
    call_command("load_sales_demo", verbosity=0)
    assert (Line.objects.count(), TariffVersion.objects.count(), Order.objects.count()) == counts
