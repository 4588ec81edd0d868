"""The renewal lists' demo for agency 685 (``make run``): a few policies with other insurers
ending in 20 to 25 days and two that ended five days ago, then the day's run, so that the
staff member's list and the lapsed list have something to show. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from crm.models import BookPolicy, Customer
from renewals.services import clock
from renewals.services.engine import renewals_day_run
from tenants.models import Agency

PREFIX = "RN-DEMO-"
# (days from today to the end, line, insurer, premium in rials)
POLICIES = [
    (20, "third_party", "asia", 52_000_000),
    (21, "motor_hull", "iran", 118_000_000),
    (22, "third_party", "dana", 47_500_000),
    (23, "fire", "alborz", 9_800_000),
    (24, "third_party", "iran", 55_300_000),
    (25, "motor_hull", "asia", 96_000_000),
    (-5, "third_party", "dana", 49_000_000),
    (-5, "fire", "iran", 12_400_000),
]


class Command(BaseCommand):
    help = "Load the renewal lists' demo for agency 685 (after load_crm_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=685).first()
        if agency is None:
            self.stdout.write("Renewals demo skipped: load the demo first.")
            return
        with schema_context(agency.schema_name):
            if not BookPolicy.objects.filter(number__startswith=PREFIX).exists():
                customers = list(
                    Customer.objects.filter(merged_into__isnull=True)
                    .exclude(mobile="")
                    .order_by("id")[: len(POLICIES)]
                )
                if not customers:
                    self.stdout.write("Renewals demo skipped: load the CRM demo first.")
                    return
                today = clock.today()
                for index, (days, line, insurer, premium) in enumerate(POLICIES):
                    end = today + dt.timedelta(days=days)
                    BookPolicy.objects.create(
                        customer=customers[index % len(customers)],
                        origin=BookPolicy.Origin.OTHER,
                        insurer_code=insurer,
                        line_code=line,
                        number=f"{PREFIX}{index + 1:03d}",
                        start_date=end - dt.timedelta(days=365),
                        end_date=end,
                        premium=Decimal(premium),
                    )
            if agency.status != Agency.Status.ACTIVE:
                self.stdout.write("Renewals demo: agency 685 is not active; no run.")
                return
            result = renewals_day_run(agency=agency)
        self.stdout.write(f"Renewals demo loaded: {result.as_dict()}")
