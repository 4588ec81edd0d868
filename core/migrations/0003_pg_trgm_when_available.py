"""Install pg_trgm where the server offers it and we may (decision 020: an optional speed-up
for searches on stored search keys; decision 026: the CRM's customer search).

Nothing depends on it: without the extension (the embedded development server) this does
nothing, and the tenant migrations that would add trigram indexes skip them.
"""

from django.db import migrations

INSTALL = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')
       AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION pg_trgm;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm not installed: no privilege';
        END;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_sandbox_payment")]

    operations = [migrations.RunSQL(INSTALL, reverse_sql=migrations.RunSQL.noop)]
