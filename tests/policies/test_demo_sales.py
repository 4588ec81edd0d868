"""`make run` loads the catalog and the sales demo once; running them again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from policies.models import AgencyLine, Line, Order, TariffVersion
from policies.selectors import lines_for_site
from tenants.models import Agency

pytestmark = pytest.mark.django_db(transaction=True)


def test_catalog_and_sales_demo_load_once(drop_schemas_after):
    call_command("catalog_load", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("load_sales_demo", verbosity=0)
    order = Order.objects.get()
    assert (order.state, order.channel, order.agency_id) == ("paid", "main", None)
    assert order.payments.get().state == "succeeded"
    agency_712 = Agency.objects.get(code=712)
    assert AgencyLine.objects.get(agency=agency_712).line.code == "travel"
    assert "travel" not in set(lines_for_site(agency=agency_712).values_list("code", flat=True))
    counts = (Line.objects.count(), TariffVersion.objects.count(), Order.objects.count())
    call_command("catalog_load", verbosity=0)
    call_command("load_sales_demo", verbosity=0)
    assert (Line.objects.count(), TariffVersion.objects.count(), Order.objects.count()) == counts
