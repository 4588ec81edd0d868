"""``manage.py crm_search_index``: add the trigram index on customers' search key to every
agency schema that lacks it (schemas built before pg_trgm was installed). Idempotent."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from tenants.tenant_tasks import agency_schemas


class Command(BaseCommand):
    help = "Add the customers' trigram search index where pg_trgm exists and a schema lacks it."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        statement = importlib.import_module("crm.migrations.0001_initial").SEARCH_INDEX
        count = 0
        for schema_name in agency_schemas():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'SET LOCAL search_path TO "{schema_name}", public')  # noqa: S608
                cursor.execute(statement)
            count += 1
        connection.search_path_set_schemas = None  # type: ignore[attr-defined]
        self.stdout.write(f"{count} agency schemas checked")
