"""Demo settlement once: sales of agencies 685 (issued by the agency) and 731 (issued by the
virtual branch) bought through the real steps and dated into the previous Jalali month and
into yesterday. Last month's day is exported and confirmed by the sandbox core system (one
payment booked for another amount, to show a difference); yesterday's batches are built and
wait to be exported; last month's commission statements are built. Running it again
changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.jalali import jalali_today, tehran
from policies.demo import DEMO_MOBILE, demo_paid_order
from policies.models import Order, Payment, Policy
from policies.services.issuance import policy_issue
from settlement.models import Commission, SettlementBatch
from settlement.sandbox_core import core_confirmation
from settlement.services.batches import last_ended_day, settlement_batches_build
from settlement.services.commissions import commission_compute
from settlement.services.confirmations import (
    settlement_confirmation_apply,
    settlement_confirmation_upload,
)
from settlement.services.exports import (
    private_storage,
    settlement_export_create,
    settlement_export_render,
)
from settlement.services.statements import commission_statements_build_due
from tenants.models import Agency

OPERATOR_MOBILE = "09120000003"


class Command(BaseCommand):
    help = "Load the settlement demo (needs catalog_load, load_demo and load_sales_demo first)."

    def handle(self, *args, **options):
        customer = User.objects.filter(mobile=DEMO_MOBILE).first()
        operator = User.objects.filter(mobile=OPERATOR_MOBILE).first()
        agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=(685, 731))}
        if customer is None or operator is None or len(agencies) < 2:
            self.stdout.write("Settlement demo skipped: load the demo first.")
            return
        if SettlementBatch.objects.exists():
            self.stdout.write("Settlement demo already loaded.")
            return
        yesterday = last_ended_day()
        this_month = jalali_today().replace(day=1).togregorian()
        last_month = this_month - dt.timedelta(days=10)
        plan = [
            (agencies[685], yesterday, 10),
            (agencies[685], yesterday, 15),
            (agencies[731], yesterday, 11),
            (agencies[685], last_month, 12),
            (agencies[731], last_month, 16),
        ]
        for agency, day, hour in plan:
            self._sale(agency=agency, customer=customer, operator=operator, day=day, hour=hour)
        settlement_batches_build(day=last_month, actor=operator)
        export = settlement_export_create(day=last_month, actor=operator)
        settlement_export_render(export_id=export.pk)  # the queued task will find it done
        export.refresh_from_db()
        path = Path(private_storage().path(export.csv_file))
        answer = core_confirmation(path.read_text(encoding="utf-8"), book_instead={0: 1000000})
        confirmation = settlement_confirmation_upload(
            export=export,
            upload=SimpleUploadedFile("core-confirmation.csv", answer.encode()),
            actor=operator,
        )
        settlement_confirmation_apply(confirmation_id=confirmation.pk)
        built = settlement_batches_build(day=yesterday, actor=None)
        statements = commission_statements_build_due(actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Settlement demo loaded: export {export.number} confirmed with one difference; "
                f"{built.items} payments of yesterday in {built.batches} batches, ready to "
                f"export; {len(statements)} commission statements."
            )
        )

    def _sale(self, *, agency, customer, operator, day: dt.date, hour: int) -> None:
        order = demo_paid_order(customer=customer, agency=agency, delivery={"method": "in_person"})
        issuer = agency.memberships.get(role="owner").user if agency.can_issue else operator
        with transaction.atomic():
            policy = policy_issue(order=Order.objects.get(pk=order.pk), actor=issuer)
        # Demo data only: the sale is moved back to the day it stands for.
        paid = dt.datetime.combine(day, dt.time(hour), tzinfo=tehran())
        issued = paid + dt.timedelta(minutes=20)
        Payment.objects.filter(order=order, state=Payment.State.SUCCEEDED).update(
            verified_at=paid, callback_at=paid
        )
        Order.objects.filter(pk=order.pk).update(paid_at=paid, closed_at=issued)
        Policy.objects.filter(pk=policy.pk).update(issued_at=issued)
        commission_compute(policy_id=policy.pk)
        Commission.objects.filter(policy=policy).update(issued_at=issued)
        assert timezone.now() > issued
