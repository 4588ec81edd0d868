"""Roll up every ended day's report summaries (after migrating; decision 060)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.summaries import summaries_backfill


class Command(BaseCommand):
    help = "Build the per-day summaries of the sales and settlement reports for all history."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when some day is summarised."
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        from reports.models import SummaryDay

        if if_empty and SummaryDay.objects.exists():
            self.stdout.write("summaries already built")
            return
        days = summaries_backfill()
        self.stdout.write(f"{days} days rolled up")
