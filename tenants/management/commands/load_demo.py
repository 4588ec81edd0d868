"""Load the demo once: the main site, agency 685 and agencies in other cities, demo accounts."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import AgencyMembership, User
from accounts.services import membership_add
from tenants.content.models import Page, SiteSettings
from tenants.models import Agency, Branch
from tenants.provisioning import spare_pool_fill
from tenants.services import agency_create

ADMIN_MOBILE = "09120000000"
ADMIN_PASSWORD = "admin12345"  # noqa: S105 - a published demo login, development only
CUSTOMER_MOBILE = "09120000001"
STAFF_MOBILE = "09120000002"
OPERATOR_MOBILE = "09120000003"
BRANCH_MANAGER_MOBILE = "09120000004"
MARKETING_MOBILE = "09120000005"
OWNER_MOBILE = "09121234567"

# code, name, kind, latitude, longitude, city, province, phone, address, can_issue
DEMO_AGENCIES = [
    (
        685,
        "نمایندگی خلیلی",
        Agency.Kind.AGENT,
        "35.700000",
        "51.400000",
        "تهران",
        "تهران",
        "021-88001234",
        "تهران، خیابان ولیعصر، نرسیده به میدان ونک، پلاک ۱۲",
        True,
    ),
    (
        712,
        "نمایندگی نقش جهان",
        Agency.Kind.AGENT,
        "32.657200",
        "51.677600",
        "اصفهان",
        "اصفهان",
        "031-32201234",
        "اصفهان، خیابان چهارباغ عباسی، پلاک ۴۵",
        False,
    ),
    (
        731,
        "کارگزاری رضوی",
        Agency.Kind.BROKER,
        "36.297000",
        "59.606200",
        "مشهد",
        "خراسان رضوی",
        "051-38401234",
        "مشهد، بلوار سجاد، پلاک ۸",
        False,
    ),
    (
        744,
        "نمایندگی پارس",
        Agency.Kind.AGENT,
        "29.610300",
        "52.531100",
        "شیراز",
        "فارس",
        "071-32301234",
        "شیراز، خیابان زند، پلاک ۲۳",
        True,
    ),
    (
        758,
        "نمایندگی ائل‌گلی",
        Agency.Kind.AGENT,
        "38.066700",
        "46.299300",
        "تبریز",
        "آذربایجان شرقی",
        "041-35501234",
        "تبریز، خیابان امام خمینی، پلاک ۱۰۱",
        False,
    ),
    (
        763,
        "بازاریاب البرز",
        Agency.Kind.MARKETER,
        "35.840000",
        "50.939100",
        "کرج",
        "البرز",
        "026-34401234",
        "کرج، میدان آزادی، پلاک ۵",
        False,
    ),
    (
        779,
        "نمایندگی کارون",
        Agency.Kind.AGENT,
        "31.318300",
        "48.670600",
        "اهواز",
        "خوزستان",
        "061-33301234",
        "اهواز، کیانپارس، خیابان ۱۲ شرقی",
        False,
    ),
    (
        786,
        "نمایندگی سپیدرود",
        Agency.Kind.AGENT,
        "37.280800",
        "49.583200",
        "رشت",
        "گیلان",
        "013-33301234",
        "رشت، خیابان سعدی، پلاک ۳",
        False,
    ),
]


class Command(BaseCommand):
    help = "Load the demo data once (running it again changes nothing)."

    def handle(self, *args, **options):
        if Agency.objects.filter(code=685).exists():
            self.stdout.write("Demo already loaded.")
            return
        spare_pool_fill(size=len(DEMO_AGENCIES))
        with transaction.atomic():
            tehran, _ = Branch.objects.get_or_create(
                code="TEH-1",
                defaults={"name": "شعبه مرکزی تهران", "city": "تهران", "province": "تهران"},
            )
            if not SiteSettings.objects.exists():
                SiteSettings.objects.create(
                    headline="بیمه آنلاین؛ از استعلام تا بیمه‌نامه",
                    about_text="فروشگاه اینترنتی بیمه‌گر و شبکه فروش آن.",
                    contact_text="تلفن مرکز تماس: ۰۲۱-۱۲۳۴",
                )
                Page.objects.create(slug="about", title="درباره ما", body="فروش آنلاین بیمه‌نامه.")
            admin = User.objects.filter(
                mobile=ADMIN_MOBILE
            ).first() or User.objects.create_superuser(
                ADMIN_MOBILE, ADMIN_PASSWORD, first_name="مدیر", last_name="سامانه"
            )
            User.objects.get_or_create(
                mobile=CUSTOMER_MOBILE, defaults={"first_name": "مریم", "last_name": "احمدی"}
            )
            User.objects.get_or_create(
                mobile=OPERATOR_MOBILE,
                defaults={
                    "first_name": "علی",
                    "last_name": "کارشناس",
                    "insurer_role": User.InsurerRole.OPERATOR,
                    "is_staff": True,
                },
            )
            for mobile, first, last, role in (
                (BRANCH_MANAGER_MOBILE, "رضا", "مدیر شعب", User.InsurerRole.BRANCH_MANAGER),
                (MARKETING_MOBILE, "سارا", "بازاریابی", User.InsurerRole.MARKETING),
            ):
                User.objects.get_or_create(
                    mobile=mobile,
                    defaults={"first_name": first, "last_name": last, "insurer_role": role},
                )
        for code, name, kind, lat, lon, city, province, phone, address, can_issue in DEMO_AGENCIES:
            agency_create(
                code=code,
                name=name,
                kind=kind,
                latitude=lat,
                longitude=lon,
                city=city,
                province=province,
                phone=phone,
                address=address,
                can_issue=can_issue,
                owner_mobile=OWNER_MOBILE if code == 685 else f"0912000{code:04d}",
                branch=tehran if province == "تهران" else None,
                actor=admin,
                licence_number=f"L-{code}",
            )
        khalili = Agency.objects.get(code=685)
        membership_add(
            agency=khalili, mobile=STAFF_MOBILE, role=AgencyMembership.Role.STAFF, actor=admin
        )
        User.objects.filter(mobile=OWNER_MOBILE).update(first_name="رضا", last_name="خلیلی")
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(DEMO_AGENCIES)} agencies."))
