"""Branch and agency names and places, and the reasons and notes of control requests,
written one way (decision 020). Idempotent; batched by id."""

from django.db import migrations

from core.text.sql import normalize_tables_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tenants", "0002_control_requests"),
    ]

    operations = [
        normalize_tables_operation(
            {
                "tenants_branch": {"name": "line", "city": "line", "province": "line"},
                "tenants_agency": {
                    "name": "line",
                    "address": "line",
                    "city": "line",
                    "province": "line",
                },
                "tenants_controlrequest": {"reason": "lines", "decision_note": "lines"},
            }
        ),
    ]
