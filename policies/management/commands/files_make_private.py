"""Move policy PDFs and order documents left in public media into private storage (idempotent).

Migration 0004 does this on deploy; run it again after restoring an old media backup, or
with ``--strays`` to also move files under media/policies and media/documents that no row
names (they are kept, under ``unreferenced/`` in private storage)."""

from django.core.management.base import BaseCommand

from policies.files import private_files_move


class Command(BaseCommand):
    help = "Move policy PDFs and documents from public media into private storage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strays",
            action="store_true",
            help="Also move files under the private folders of media that no row names.",
        )

    def handle(self, *args, **options):
        counts = private_files_move(strays=options["strays"])
        if not counts:
            self.stdout.write("Private files: nothing to move.")
        for outcome, count in sorted(counts.items()):
            self.stdout.write(f"Private files: {outcome}: {count}")
