"""Answer an export as the sandbox core system would, to try the confirmation import.

python manage.py sandbox_core_confirm 14050909-01 > confirmation.csv
python manage.py sandbox_core_confirm 14050909-01 --leave-out 0 --book 1=2000000
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from settlement.models import SettlementExport
from settlement.sandbox_core import SettlementFileRefused, core_confirmation
from settlement.services.exports import private_storage


class Command(BaseCommand):
    help = "Write the sandbox core system's confirmation of an export's settlement file."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the export number, e.g. 14050909-01")
        parser.add_argument(
            "--leave-out",
            type=int,
            action="append",
            default=[],
            metavar="POSITION",
            help="leave the item at this position (0 = first) out of the confirmation",
        )
        parser.add_argument(
            "--book",
            action="append",
            default=[],
            metavar="POSITION=RIALS",
            help="book another amount for the item at this position",
        )
        parser.add_argument("--output", help="write to this file instead of the screen")

    def handle(self, *args, **options):
        export = SettlementExport.objects.filter(number=options["number"]).first()
        if export is None or not export.csv_file:
            raise CommandError(f"No written export {options['number']}.")
        try:
            book = {int(k): int(v) for k, v in (item.split("=", 1) for item in options["book"])}
        except ValueError as error:
            raise CommandError("--book takes POSITION=RIALS, e.g. 1=2000000") from error
        text = Path(private_storage().path(export.csv_file)).read_text(encoding="utf-8")
        try:
            answer = core_confirmation(text, leave_out=options["leave_out"], book_instead=book)
        except SettlementFileRefused as error:
            raise CommandError(str(error)) from error
        if options["output"]:
            Path(options["output"]).write_text(answer, encoding="utf-8", newline="")
        else:
            self.stdout.write(answer, ending="")
