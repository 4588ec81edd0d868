"""The document checklist of each line's claims (data; changed later in the admin)."""

from django.db import migrations

# line code, code, label, label in English, required
CHECKLISTS = [
    ("third_party", "driving_licence", "گواهینامه رانندگی", "Driving licence", True),
    ("third_party", "vehicle_card", "کارت خودرو", "Vehicle card", True),
    ("third_party", "police_report", "گزارش پلیس (کروکی)", "Police report", True),
    ("third_party", "damage_photos", "عکس خسارت", "Photos of the damage", True),
    ("third_party", "other_party_card", "کارت خودروی زیان‌دیده", "Other party's vehicle card", False),
    ("motor_hull", "driving_licence", "گواهینامه رانندگی", "Driving licence", True),
    ("motor_hull", "vehicle_card", "کارت خودرو", "Vehicle card", True),
    ("motor_hull", "police_report", "گزارش پلیس (کروکی)", "Police report", True),
    ("motor_hull", "damage_photos", "عکس خسارت", "Photos of the damage", True),
    ("motor_hull", "repair_invoice", "فاکتور تعمیر", "Repair invoice", False),
    ("fire", "fire_report", "گزارش آتش‌نشانی", "Fire brigade report", True),
    ("fire", "property_deed", "سند یا اجاره‌نامه ملک", "Property deed or lease", True),
    ("fire", "damage_photos", "عکس خسارت", "Photos of the damage", True),
    ("fire", "damage_list", "فهرست اموال آسیب‌دیده", "List of damaged property", False),
    ("travel", "passport", "صفحه اول گذرنامه", "Passport's first page", True),
    ("travel", "medical_report", "گزارش پزشکی", "Medical report", True),
    ("travel", "invoices", "صورت‌حساب‌های درمان", "Medical invoices", True),
    ("travel", "tickets", "بلیت سفر", "Travel tickets", False),
    ("*", "identity_card", "کارت ملی", "National ID card", True),
    ("*", "damage_photos", "عکس خسارت", "Photos of the damage", True),
    ("*", "invoices", "صورت‌حساب‌ها", "Invoices", False),
]


def seed(apps, schema_editor):
    item = apps.get_model("claims", "ChecklistItem")
    positions: dict[str, int] = {}
    for line_code, code, label, label_en, required in CHECKLISTS:
        positions[line_code] = positions.get(line_code, 0) + 1
        item.objects.get_or_create(
            line_code=line_code,
            code=code,
            defaults={
                "label": label,
                "label_en": label_en,
                "required": required,
                "position": positions[line_code],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
