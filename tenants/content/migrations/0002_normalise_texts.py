"""Site texts written one way (decision 020), in public and in every agency schema: pure
SQL (docs/migrations.md), the HTML's tags untouched. Idempotent."""

from django.db import migrations

from core.text.sql import normalize_tables_sql_operation


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
    ]

    operations = [
        normalize_tables_sql_operation(
            {
                "content_sitesettings": {
                    "headline": "line",
                    "about_text": "html",
                    "contact_text": "html",
                },
                "content_page": {"title": "line", "body": "html"},
                "content_banner": {"title": "line"},
            }
        ),
    ]
