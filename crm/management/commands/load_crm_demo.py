"""Demo CRM of agency 685 once: thirty customers with phones, e-mails, addresses, regions,
marketers, groups and SMS consent; related persons; policies held with other insurers;
cases with activities for the owner and the staff member; a complaint, a claim, cheques
(one due soon, one bounced), caller lookups and ranks. Definite customers of the policies
sold in the demo come from the ledger first. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import AgencyMembership
from crm.models import (
    Activity,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    Customer,
    CustomerRank,
    Instrument,
    Region,
)
from crm.services.contacts import AddressInput, PhoneInput
from crm.services.customers import customer_create
from crm.services.ledger import ledger_backfill
from crm.services.relations import (
    customer_group_create,
    customer_relation_add,
    marketer_create,
    region_create,
)
from tenants.models import Agency

REGIONS = ("منطقه ۱ تهران", "منطقه ۳ تهران", "شهرری")
FIRST_NAMES = (
    "علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "مهدی", "نرگس",
    "امیر", "لیلا", "سعید", "مینا", "حمید", "الهام", "کاوه", "شیرین", "بهرام", "پریسا",
    "جواد", "نازنین", "مجید", "هانیه", "وحید", "سمیرا", "یاسر", "آزاده",
)  # fmt: skip
LAST_NAMES = (
    "احمدی", "رضایی", "کریمی", "حسینی", "موسوی", "جعفری", "صادقی", "رحیمی", "کاظمی",
    "نوری", "قاسمی", "عباسی", "محمدی", "یوسفی",
)  # fmt: skip
JOBS = ("مهندس", "پزشک", "معلم", "کارمند", "راننده", "بازنشسته", "کاسب", "")
INSURERS = (("iran", "بیمه ایران"), ("asia", "بیمه آسیا"), ("dana", "بیمه دانا"))
OTHER_LINES = ("third_party", "motor_hull", "fire")


def national_code(seed: int) -> str:
    """A valid national code made from ``seed`` (the check digit computed)."""
    body = f"{(seed * 7919 + 123456) % 10**9:09d}"
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


class Command(BaseCommand):
    help = "Load the CRM demo of agency 685 (needs load_demo; after load_sales_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=685).first()
        if agency is None:
            self.stdout.write("CRM demo skipped: load the demo first.")
            return
        owner = AgencyMembership.objects.get(agency=agency, role=AgencyMembership.Role.OWNER)
        staff = (
            AgencyMembership.objects.filter(agency=agency, role=AgencyMembership.Role.STAFF)
            .select_related("user")
            .first()
        )
        with schema_context(agency.schema_name):
            # Definite customers from the policies sold in the demo (idempotent on its own).
            ledger_backfill(agency=agency)
            if Region.objects.filter(name=REGIONS[0]).exists():
                self.stdout.write("CRM demo already loaded.")
                return
            customers = self._load(agency, owner.user, staff.user if staff else owner.user)
        self.stdout.write(f"CRM demo loaded: {len(customers)} customers of agency 685.")

    def _load(self, agency: Agency, owner: Any, staff: Any) -> list[Customer]:
        regions = [
            region_create(agency=agency, actor=owner, name=name, city="تهران") for name in REGIONS
        ]
        marketers = [
            marketer_create(
                agency=agency, actor=owner, first_name="رسول", last_name="بازاریاب", code="M-1"
            ),
            marketer_create(
                agency=agency, actor=owner, first_name="نیلوفر", last_name="مهرجو", code="M-2"
            ),
        ]
        vip = customer_group_create(agency=agency, actor=owner, name="مشتریان ویژه")
        motor = customer_group_create(agency=agency, actor=owner, name="بیمه خودرو")
        today = timezone.localdate()
        customers: list[Customer] = []
        for n in range(30):
            company = n in (7, 21)
            phones: list[PhoneInput | str] = [PhoneInput(number=f"0912300{n:04d}", kind="mobile")]
            if n % 3 == 0:
                phones.append(PhoneInput(number=f"02188{n:06d}"[:11], kind="landline"))
            customers.append(
                customer_create(
                    agency=agency,
                    actor=owner if n % 2 else staff,
                    party=Customer.Party.COMPANY if company else Customer.Party.PERSON,
                    first_name="" if company else FIRST_NAMES[n % len(FIRST_NAMES)],
                    last_name="" if company else LAST_NAMES[n % len(LAST_NAMES)],
                    company_name=f"شرکت بازرگانی {LAST_NAMES[n % len(LAST_NAMES)]}"
                    if company
                    else "",
                    national_code=None if company or n % 5 == 4 else national_code(n + 1),
                    birth_date=None if company else dt.date(1970 + n, 1 + n % 12, 1 + n % 28),
                    job=JOBS[n % len(JOBS)],
                    city="تهران",
                    region=regions[n % len(regions)],
                    marketer=marketers[n % 2] if n % 4 == 0 else None,
                    phones=phones,
                    emails=[f"customer{n}@example.com"] if n % 4 == 1 else [],
                    addresses=[
                        AddressInput(
                            address=f"تهران، خیابان شریعتی، پلاک {n + 1}", postal_code=f"1{n:09d}"
                        )
                    ]
                    if n % 2 == 0
                    else [],
                    groups=[
                        group
                        for group, wanted in ((vip, n % 6 == 0), (motor, n % 3 == 1))
                        if wanted
                    ],
                    sms_consent_source=Customer.ConsentSource.VERBAL if n % 2 == 0 else "",
                    source=Customer.Source.PANEL if n % 3 else Customer.Source.LOOKUP,
                    allow_duplicates=True,
                )
            )
        for n, (kind, a, b) in enumerate(
            (
                ("spouse", 0, 1),
                ("child", 2, 3),
                ("parent", 4, 5),
                ("employer", 21, 8),
                ("sibling", 10, 11),
            )
        ):
            customer_relation_add(
                agency=agency,
                actor=owner,
                customer=customers[a],
                kind=kind,
                related_customer=customers[b],
            )
            if n < 2:
                customer_relation_add(
                    agency=agency,
                    actor=owner,
                    customer=customers[a],
                    kind="child",
                    name=f"فرزند {FIRST_NAMES[n]}",
                    mobile=f"0935100{n:04d}",
                )
        # Policies held with other insurers, some expiring soon (to chase).
        for n in range(8):
            insurer, name = INSURERS[n % len(INSURERS)]
            BookPolicy.objects.create(
                customer=customers[n * 3],
                origin=BookPolicy.Origin.OTHER,
                insurer_code=insurer,
                insurer_name=name,
                line_code=OTHER_LINES[n % len(OTHER_LINES)],
                number=f"DEMO-{insurer.upper()}-{1000 + n}",
                start_date=today - dt.timedelta(days=350 - n * 10),
                end_date=today + dt.timedelta(days=15 + n * 10),
                premium=Decimal(8_000_000 + n * 1_500_000),
            )
            Customer.objects.filter(pk=customers[n * 3].pk).update(kind=Customer.Kind.DEFINITE)
        now = timezone.now()
        for n, (kind, title, who) in enumerate(
            (
                ("sale", "پیشنهاد بیمه بدنه", staff),
                ("follow_up", "پیگیری تمدید شخص ثالث", staff),
                ("meeting", "جلسه با شرکت بازرگانی", owner),
                ("marketing", "معرفی بیمه آتش‌سوزی", owner),
            )
        ):
            case = Case.objects.create(
                customer=customers[n],
                kind=kind,
                title=title,
                assignee_user_id=who.pk,
                due_at=now + dt.timedelta(days=n + 1),
                created_by_user_id=owner.pk,
            )
            Activity.objects.create(
                case=case,
                kind="call",
                subject=f"تماس: {title}",
                assignee_user_id=who.pk,
                due_at=now + dt.timedelta(days=n, hours=2),
            )
        Complaint.objects.create(
            customer=customers[2], subject="تأخیر در صدور", text="بیمه‌نامه دیر رسید."
        )
        ClaimRecord.objects.create(
            customer=customers[3],
            number="CL-1405-001",
            filed_at=today - dt.timedelta(days=20),
            claimed_amount=Decimal(45_000_000),
            paid_amount=Decimal(40_000_000),
            paid_at=today - dt.timedelta(days=5),
            state="paid",
        )
        Instrument.objects.create(
            customer=customers[0],
            kind="cheque",
            amount=Decimal(25_000_000),
            due_date=today + dt.timedelta(days=5),
            number="123456",
            bank_name="ملت",
        )
        Instrument.objects.create(
            customer=customers[6],
            kind="cheque",
            amount=Decimal(12_000_000),
            due_date=today - dt.timedelta(days=10),
            number="654321",
            state="bounced",
        )
        Instrument.objects.create(
            customer=customers[9],
            kind="promissory",
            amount=Decimal(30_000_000),
            due_date=today + dt.timedelta(days=40),
        )
        for customer in customers[:3]:
            ContactLog.objects.create(
                customer=customer,
                phone=customer.mobile,
                channel=ContactLog.Channel.LOOKUP,
                direction=ContactLog.Direction.IN,
                by_user_id=staff.pk,
            )
        for n, customer in enumerate(customers):
            CustomerRank.objects.create(
                customer=customer,
                score=Decimal(30 - n),
                band="ABCD"[min(n // 8, 3)],
                computed_at=now,
                premium_paid=Decimal(max(0, 30 - n) * 1_000_000),
                purchase_count=max(0, 5 - n // 6),
            )
        return customers
