"""A GiST index on each agency's location as a built-in ``point`` (core PostgreSQL: no
PostGIS, cube or earthdistance), for the nearest-agency search (decision 011)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS tenants_agency_location_gist ON tenants_agency "
            "USING gist (point(longitude::float8, latitude::float8))",
            "DROP INDEX IF EXISTS tenants_agency_location_gist",
        ),
    ]
