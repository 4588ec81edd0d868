"""Names written one way (decision 020): Arabic ي/ك → ی/ک, no direction marks, one
half-space, single spaces. Idempotent; batched by id, each batch its own transaction."""

from django.db import migrations

from core.text.sql import normalize_tables_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_user_mobile_format"),
    ]

    operations = [
        normalize_tables_operation({"accounts_user": {"first_name": "line", "last_name": "line"}}),
    ]
