"""SMS automation's demo for agency 685 (``make run``): credit, three templates, the 30-day
renewal invitation, a cheque reminder and birthday greetings switched on, and a customer who
is due for the invitation tomorrow, so the pattern's page has someone to show. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import AgencyMembership
from core.jalali import tehran
from core.models import SmsCreditEntry
from core.sms.credit import credit_top_up
from core.sms.parts import Line
from crm.models import BookPolicy, Customer
from messaging.models import SmsPattern, SmsTemplate
from messaging.patterns.models import Event
from tenants.models import Agency

# Stored form (decision 035): the editor shows each placeholder by its Persian name.
TEMPLATES = [
    (
        "دعوت به تمدید",
        "{customer_name} عزیز، بیمه‌نامه {line_name} شما به شماره {policy_number} در "
        "{expiry_date} به پایان می‌رسد. برای تمدید: {renewal_link} — {agency_name}",
        Line.SERVICE,
    ),
    (
        "یادآوری سررسید چک",
        "{customer_name} عزیز، چک {cheque_amount} ریالی شما در {cheque_due_date} سررسید "
        "می‌شود. {agency_name} {agency_phone}",
        Line.SERVICE,
    ),
    ("تبریک تولد", "{first_name} عزیز، زادروزتان خجسته باد. {agency_name}", Line.PROMOTIONAL),
]


class Command(BaseCommand):
    help = "Load SMS automation's demo for agency 685 (credit, templates, patterns)."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=685).first()
        if agency is None:
            self.stdout.write("SMS demo skipped: load the demo first.")
            return
        owner = AgencyMembership.objects.get(agency=agency, role=AgencyMembership.Role.OWNER).user
        credit_top_up(
            agency_id=agency.pk,
            amount=Decimal(20_000_000),
            kind=SmsCreditEntry.Kind.TOP_UP,
            reference="demo-credit",
            note="اعتبار آزمایشی",
        )
        with schema_context(agency.schema_name):
            if SmsTemplate.objects.exists():
                self.stdout.write("SMS demo already loaded.")
                return
            templates = [
                SmsTemplate.objects.create(
                    name=name,
                    body=body,
                    line=line,
                    created_by_user_id=owner.pk,
                    updated_by_user_id=owner.pk,
                )
                for name, body, line in TEMPLATES
            ]
            for template, (name, event, days) in zip(
                templates,
                [
                    ("دعوت به تمدید ۳۰ روزه", Event.EXPIRY_BEFORE, 30),
                    ("یادآوری چک ۳ روز مانده", Event.CHEQUE_DUE, 3),
                    ("تبریک تولد", Event.BIRTHDAY, 0),
                ],
                strict=True,
            ):
                SmsPattern.objects.create(
                    name=name,
                    event=event,
                    offset_days=days,
                    template=template,
                    send_time=dt.time(10, 0),
                    is_active=True,
                    created_by_user_id=owner.pk,
                )
            self._due_tomorrow()
        self.stdout.write("SMS demo loaded: credit, 3 templates and 3 patterns of agency 685.")

    def _due_tomorrow(self) -> None:
        """A consenting customer whose policy with another insurer expires in 31 days."""
        customer = (
            Customer.objects.filter(merged_into__isnull=True)
            .exclude(mobile="")
            .order_by("id")
            .first()
        )
        if customer is None:
            return
        Customer.objects.filter(pk=customer.pk).update(sms_consent=True, sms_opted_out_at=None)
        end = timezone.now().astimezone(tehran()).date() + dt.timedelta(days=31)
        BookPolicy.objects.create(
            customer=customer,
            origin=BookPolicy.Origin.OTHER,
            insurer_code="asia",
            line_code="third_party",
            number="AS-1404-5521",
            start_date=end - dt.timedelta(days=365),
            end_date=end,
            premium=Decimal(48_500_000),
        )
