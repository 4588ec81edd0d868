"""Web pages and tasks run short statements: PostgreSQL's JIT compiler, which starts when a
plan's estimated cost passes ``jit_above_cost``, spent seconds compiling the reports' grouped
statements at 1,000,000 orders (6.5 s of JIT for a 3 s query). Off for the whole database, so
that it holds for every connection, through PgBouncer too (decision 059)."""

from django.db import migrations

JIT_OFF = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
END $$;
"""
JIT_DEFAULT = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0005_sms_top_up_payment")]

    operations = [migrations.RunSQL(JIT_OFF, JIT_DEFAULT)]
