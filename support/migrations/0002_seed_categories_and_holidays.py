"""The ticket categories and the public holidays of 1405 and 1406 (decision 051).

Solar holidays fall on the same Jalali day every year. Lunar ones move about eleven days a
year and are fixed by the official calendar; they are dated here from the tabular Islamic
calendar, which may differ from the announced day by one: the insurer corrects them (and
adds the next years) in the admin."""

from __future__ import annotations

import jdatetime
from django.db import migrations

CATEGORIES = [
    # code, Persian name, English name, working hours to answer, position
    ("sales", "فروش و خرید بیمه‌نامه", "Sales and buying", 8, 10),
    ("payments", "پرداخت", "Payments", 8, 20),
    ("policies", "بیمه‌نامه و صدور", "Policies and issuance", 16, 30),
    ("claims", "خسارت", "Claims", 16, 40),
    ("technical", "مشکل فنی سایت", "Technical problems", 8, 50),
    ("agency", "حساب نمایندگی", "Agency account", 24, 60),
]

# Jalali month, day, name: the same days every year.
SOLAR = [
    (1, 1, "جشن نوروز"),
    (1, 2, "عید نوروز"),
    (1, 3, "عید نوروز"),
    (1, 4, "عید نوروز"),
    (1, 12, "روز جمهوری اسلامی"),
    (1, 13, "روز طبیعت"),
    (3, 14, "رحلت امام خمینی"),
    (3, 15, "قیام ۱۵ خرداد"),
    (11, 22, "پیروزی انقلاب اسلامی"),
    (12, 29, "ملی شدن صنعت نفت"),
]

# Jalali year, month, day, name: the lunar holidays as dated for these years.
LUNAR = [
    (1405, 1, 1, "عید سعید فطر"),
    (1405, 1, 2, "تعطیل به مناسبت عید سعید فطر"),
    (1405, 1, 25, "شهادت امام جعفر صادق"),
    (1405, 3, 7, "عید سعید قربان"),
    (1405, 3, 15, "عید سعید غدیر خم"),
    (1405, 4, 6, "تاسوعای حسینی"),
    (1405, 4, 7, "عاشورای حسینی"),
    (1405, 5, 15, "اربعین حسینی"),
    (1405, 5, 23, "رحلت رسول اکرم و شهادت امام حسن مجتبی"),
    (1405, 5, 25, "شهادت امام رضا"),
    (1405, 6, 2, "شهادت امام حسن عسکری"),
    (1405, 6, 11, "میلاد رسول اکرم و امام جعفر صادق"),
    (1405, 8, 24, "شهادت حضرت فاطمه زهرا"),
    (1405, 10, 4, "ولادت امام علی"),
    (1405, 10, 18, "مبعث رسول اکرم"),
    (1405, 11, 5, "ولادت حضرت قائم"),
    (1405, 12, 11, "شهادت حضرت علی"),
    (1405, 12, 20, "عید سعید فطر"),
    (1405, 12, 21, "تعطیل به مناسبت عید سعید فطر"),
    (1406, 1, 15, "شهادت امام جعفر صادق"),
    (1406, 2, 28, "عید سعید قربان"),
    (1406, 3, 5, "عید سعید غدیر خم"),
    (1406, 3, 26, "تاسوعای حسینی"),
    (1406, 3, 27, "عاشورای حسینی"),
    (1406, 5, 4, "اربعین حسینی"),
    (1406, 5, 12, "رحلت رسول اکرم و شهادت امام حسن مجتبی"),
    (1406, 5, 14, "شهادت امام رضا"),
    (1406, 5, 22, "شهادت امام حسن عسکری"),
    (1406, 5, 31, "میلاد رسول اکرم و امام جعفر صادق"),
    (1406, 8, 13, "شهادت حضرت فاطمه زهرا"),
    (1406, 9, 23, "ولادت امام علی"),
    (1406, 10, 7, "مبعث رسول اکرم"),
    (1406, 10, 24, "ولادت حضرت قائم"),
    (1406, 11, 30, "شهادت حضرت علی"),
    (1406, 12, 9, "عید سعید فطر"),
    (1406, 12, 10, "تعطیل به مناسبت عید سعید فطر"),
]


def holidays() -> dict:
    found: dict = {}
    days = [(year, month, day, name) for year in (1405, 1406) for month, day, name in SOLAR]
    for year, month, day, name in [*days, *LUNAR]:
        date = jdatetime.date(year, month, day).togregorian()
        found[date] = f"{found[date]}؛ {name}" if date in found else name
    return found


def seed(apps, schema_editor):
    if getattr(schema_editor.connection, "schema_name", "public") != "public":
        return
    Category = apps.get_model("support", "Category")
    Holiday = apps.get_model("support", "Holiday")
    for code, name, name_en, hours, position in CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "sla_hours": hours, "position": position},
        )
    for date, name in holidays().items():
        Holiday.objects.get_or_create(date=date, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
