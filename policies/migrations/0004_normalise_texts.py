"""The insured's names, the delivery place and address, rejection reasons, and sales plans'
titles and notes written one way (decision 020). Idempotent; batched by id."""

from django.db import migrations

from core.text.sql import normalize_tables_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("policies", "0003_sales_plans"),
    ]

    operations = [
        normalize_tables_operation(
            {
                "policies_order": {
                    "insured_first_name": "line",
                    "insured_last_name": "line",
                    "delivery_province": "line",
                    "delivery_city": "line",
                    "delivery_address": "line",
                    "rejection_reason": "lines",
                },
                "policies_salesplan": {"title": "line", "decision_note": "lines"},
            }
        ),
    ]
