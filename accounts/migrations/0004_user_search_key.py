"""The people search key (name and mobile), a stored column PostgreSQL computes on every
write (decision 020). Adding it rewrites the users table once."""

import core.text.search
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_normalise_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="search_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=core.text.search.SearchKey("first_name", "last_name", "mobile"),
                output_field=models.TextField(),
                verbose_name="search key",
            ),
        ),
    ]
