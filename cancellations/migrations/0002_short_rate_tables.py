"""The short-rate tables the platform starts with (decision 049); operators change them in
the admin afterwards. The scale is the common short-term table of the Iranian market: the
share of a year's premium kept for a cover that lasted up to N days."""

from decimal import Decimal

from django.db import migrations

# (days used up to, % of the premium kept); past the last band the whole premium is kept.
SHORT_RATE_SCALE = [
    (15, "20"),
    (30, "30"),
    (60, "40"),
    (90, "50"),
    (120, "60"),
    (150, "70"),
    (180, "75"),
    (210, "80"),
    (240, "85"),
    (270, "90"),
    (300, "95"),
]
# line code ("" = every line without its own), method, refuse when a claim exists, note
TABLES = [
    ("", "short_rate", True, "جدول کوتاه‌مدت رایج بازار"),
    ("third_party", "pro_rata", True, "شخص ثالث: روزشمار؛ با خسارت پرداختی یا باز ابطال نمی‌شود"),
    ("motor_hull", "short_rate", True, "بدنه: جدول کوتاه‌مدت؛ با خسارت ابطال نمی‌شود"),
    ("fire", "short_rate", False, "آتش‌سوزی منازل: جدول کوتاه‌مدت"),
    ("travel", "short_rate", True, "مسافرتی: جدول کوتاه‌مدت؛ با خسارت ابطال نمی‌شود"),
]


def add(apps, schema_editor):
    Table = apps.get_model("cancellations", "ShortRateTable")
    Band = apps.get_model("cancellations", "ShortRateBand")
    for line_code, method, refuse, note in TABLES:
        table, created = Table.objects.get_or_create(
            line_code=line_code,
            defaults={"method": method, "refuse_when_claim": refuse, "note": note},
        )
        if created and method == "short_rate":
            Band.objects.bulk_create(
                Band(table=table, up_to_days=days, kept_percent=Decimal(percent))
                for days, percent in SHORT_RATE_SCALE
            )


def remove(apps, schema_editor):
    apps.get_model("cancellations", "ShortRateTable").objects.filter(
        line_code__in=[row[0] for row in TABLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cancellations", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
