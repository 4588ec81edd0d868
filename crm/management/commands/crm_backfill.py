"""``manage.py crm_backfill [--agency CODE] [--since YYYY-MM-DD]``: bring the policies the
agencies already sold into their CRM (book and definite customers). One message per agency;
running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.queue import enqueue
from crm.tasks import crm_backfill_all, crm_ledger_backfill
from tenants.models import Agency


class Command(BaseCommand):
    help = "Bring the policies agencies sold into their CRM (one task per agency)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--agency", type=int, help="only this agency (its code)")
        parser.add_argument("--since", help="only policies issued from this day (YYYY-MM-DD)")
        parser.add_argument(
            "--window", type=float, default=0, help="spread the messages over these seconds"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        since = None
        if options["since"]:
            try:
                day = dt.date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"--since: {error}") from None
            since = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        if options["agency"] is not None:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"No agency has code {options['agency']}.")
            sent = enqueue(
                crm_ledger_backfill, agency.schema_name, since.isoformat() if since else None
            )
            self.stdout.write(f"1 agency: {'sent' if sent else 'NOT sent (broker down)'}")
            return
        count = crm_backfill_all(since=since, window_seconds=options["window"])
        self.stdout.write(f"{count} agencies: one backfill task each sent")
