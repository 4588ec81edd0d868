"""Demo sales once: agency 712 may not sell travel; a paid main-site order for collection in
person waits in the virtual branch's issuance queue, and another, to be posted in Tehran,
is offered to the agencies near the customer (ar685 first). Running it again changes
nothing."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand

from accounts.models import User
from policies.demo import DEMO_MOBILE, demo_paid_order
from policies.models import AgencyLine, Line, Order
from tenants.models import Agency


class Command(BaseCommand):
    help = "Load the sales demo (needs catalog_load and load_demo first)."

    def handle(self, *args, **options):
        agency = Agency.objects.filter(code=712).first()
        customer = User.objects.filter(mobile=DEMO_MOBILE).first()
        if agency is None or customer is None or not Line.objects.exists():
            self.stdout.write("Sales demo skipped: load the catalog and the demo first.")
            return
        AgencyLine.objects.get_or_create(
            agency=agency, line=Line.objects.get(code="travel"), defaults={"allowed": False}
        )
        if Order.objects.filter(customer=customer).exists():
            self.stdout.write("Sales demo already loaded.")
            return
        demo_paid_order(customer=customer, delivery={"method": "in_person"})
        demo_paid_order(
            customer=customer,
            delivery={
                "method": "post",
                "province": "تهران",
                "city": "تهران",
                "address": "خیابان ولیعصر، بالاتر از پارک ساعی، پلاک ۲۱",
                "postal_code": "1434843111",
                "latitude": Decimal("35.712000"),
                "longitude": Decimal("51.406000"),
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Sales demo loaded: one paid order in the issuance queue, one offered to "
                "the agencies near Tehran."
            )
        )
