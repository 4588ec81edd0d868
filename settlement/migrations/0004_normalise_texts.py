"""Commission payout notes written one way (decision 020). Idempotent; batched by id."""

from django.db import migrations

from core.text.sql import normalize_tables_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("settlement", "0003_settlement_batches_and_statements"),
    ]

    operations = [
        normalize_tables_operation({"settlement_commissionpayout": {"note": "line"}}),
    ]
