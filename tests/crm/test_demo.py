"""`make run` loads the CRM demo of agency 685 once; running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from crm.models import BookPolicy, Case, Customer, CustomerRelation, Instrument
from tenants.models import Agency
from tests.crm.conftest import crm_state, inside, sell

pytestmark = pytest.mark.django_db


def test_the_crm_demo_loads_once(client):
    call_command("load_demo", verbosity=0)
    call_command("load_crm_demo", verbosity=0)
    khalili = Agency.objects.get(code=685)
    with inside(khalili):
        assert Customer.objects.count() >= 30
        assert Customer.objects.filter(phones__isnull=False).distinct().count() >= 30
        assert CustomerRelation.objects.filter(related_customer__isnull=False).count() >= 5
        assert BookPolicy.objects.filter(origin="other").count() >= 3
        assert Case.objects.count() >= 3 and Instrument.objects.filter(kind="cheque").exists()
        before = crm_state()
    call_command("load_crm_demo", verbosity=0)
    with inside(khalili):
        assert crm_state() == before
    # The owner sees them in the panel.
    owner = khalili.memberships.get(role="owner").user
    client.force_login(owner)
    html = client.get("/crm/customers/", HTTP_HOST="panel.localhost").content.decode()
    assert html.count("<tr data-customer=") == 30


def test_the_crm_demo_brings_in_the_policies_agency_685_sold(sale_line):
    """Definite customers come from the ledger first (the sales demos issue policies of
    685; here one policy stands for them)."""
    call_command("load_demo", verbosity=0)
    khalili = Agency.objects.get(code=685)
    sell(khalili, sale_line, national_code="0499370899", first_name="خریدار", last_name="دفتر")
    call_command("load_crm_demo", verbosity=0)
    with inside(khalili):
        assert BookPolicy.objects.filter(origin="ledger").count() == 1
        buyer = Customer.objects.get(national_code="0499370899")
        assert (buyer.kind, buyer.source) == ("definite", "ledger")
        before = crm_state()
    call_command("load_crm_demo", verbosity=0)
    with inside(khalili):
        assert crm_state() == before
