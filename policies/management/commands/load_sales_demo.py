"""Demo sales once: agency 712 may not sell travel; a paid main-site order for collection in
person waits in the virtual branch's issuance queue, and another, to be posted in Tehran,
is offered to the agencies near the customer (ar685 first). Running it again changes
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from accounts.models import User
from core.models import SandboxPayment
from policies.models import AgencyLine, Line, Order
from policies.services import orders
from policies.services.payments import payment_complete, payment_start
from policies.services.quotes import quote_create
from tenants.models import Agency

DEMO_MOBILE = "09120000001"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x8a\xb6"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


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
        self._paid_order(customer, delivery={"method": "in_person"})
        self._paid_order(
            customer,
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

    def _paid_order(self, customer, *, delivery: dict) -> Order:
        quote = quote_create(
            line=Line.objects.get(code="third_party"),
            answers={
                "vehicle_group": "sedan4",
                "usage": "personal",
                "production_year": "1400",
                "previous_insurer": "iran",
                "no_claim_years": "2",
            },
            agency=None,
        )
        order = orders.order_start(quote=quote, customer=customer, agency=None)
        orders.order_insured_save(
            order=order,
            actor=customer,
            first_name="مریم",
            last_name="احمدی",
            national_code="0013542419",
            birth_date=dt.date(1990, 3, 21),
            mobile=DEMO_MOBILE,
        )
        orders.order_details_save(
            order=order,
            actor=customer,
            answers={
                "plate_number": "22ج456-11",
                "chassis_number": "NAAM11CA5LK654321",
                "engine_number": "M15B7654321",
            },
        )
        orders.order_document_add(
            order=order,
            actor=customer,
            kind="vehicle_card",
            uploaded=SimpleUploadedFile("vehicle-card.png", PNG),
        )
        orders.order_delivery_save(
            order=order,
            actor=customer,
            date=orders.delivery_dates()[0],
            slot="09-12",
            **delivery,
        )
        orders.order_submit(order=order, actor=customer)
        payment, _redirect = payment_start(
            order=order, actor=customer, callback_url=lambda p: "http://localhost/"
        )
        from core.payments.sandbox import sandbox_decide

        sandbox_decide(token=payment.token, action="pay")
        payment_complete(payment=payment, params={"token": payment.token, "status": "OK"})
        assert SandboxPayment.objects.filter(
            token=payment.token, verified_at__isnull=False
        ).exists()
        return order
