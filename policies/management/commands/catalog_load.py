"""Load the lines of insurance, their questions, documents and first tariffs (idempotent)."""

from django.core.management.base import BaseCommand

from policies.models import Line
from policies.services.catalog import catalog_load


class Command(BaseCommand):
    help = "Load the catalog from policies/tariffs/ (running it again changes nothing)."

    def handle(self, *args, **options):
        catalog_load()
        self.stdout.write(f"Catalog: {Line.objects.count()} lines of insurance.")
