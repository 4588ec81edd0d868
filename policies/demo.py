"""Demo sales made through the product's own steps (for ``load_sales_demo`` and the demos of
the apps above policies)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import SandboxPayment
from policies.models import Line, Order
from policies.services import orders
from policies.services.payments import payment_complete, payment_start
from policies.services.quotes import quote_create

DEMO_MOBILE = "09120000001"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def demo_paid_order(*, customer, delivery: dict, agency=None) -> Order:
    """A third-party order bought and paid at the sandbox bank through the real steps, on
    the main site or on ``agency``'s site."""
    quote = quote_create(
        line=Line.objects.get(code="third_party"),
        answers={
            "vehicle_group": "sedan4",
            "usage": "personal",
            "production_year": "1400",
            "previous_insurer": "iran",
            "no_claim_years": "2",
        },
        agency=agency,
    )
    order = orders.order_start(quote=quote, customer=customer, agency=agency)
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
    assert SandboxPayment.objects.filter(token=payment.token, verified_at__isnull=False).exists()
    return order
