"""The commission rates the network starts with (from 1399/01/01); operators add newer ones."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

START = dt.date(2020, 3, 20)  # 1399/01/01
RATES = [
    ("", "*", "10.00"),
    ("", "third_party", "5.00"),
    ("", "motor_hull", "12.00"),
    ("", "fire", "15.00"),
    ("", "travel", "20.00"),
    ("broker", "*", "12.00"),
]


def add(apps, schema_editor):
    rate = apps.get_model("settlement", "CommissionRate")
    for kind, line, percent in RATES:
        rate.objects.get_or_create(
            agency_kind=kind,
            line_code=line,
            effective_from=START,
            defaults={"percent": Decimal(percent)},
        )


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
