"""Import a tariff CSV as the next version of a line: ``tariff_import third_party file.csv``."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from policies.models import Line
from policies.services.catalog import tariff_version_import


class Command(BaseCommand):
    help = "Import a tariff file (docs/tariffs.md) as a new version of a line."

    def add_arguments(self, parser):
        parser.add_argument("line", help="line code, e.g. third_party")
        parser.add_argument("file", type=Path)
        parser.add_argument("--activate", action="store_true", help="use it for new quotes")

    def handle(self, *args, line: str, file: Path, activate: bool, **options):
        found = Line.objects.filter(code=line).first()
        if found is None:
            raise CommandError(f"No line with code {line!r}.")
        try:
            version = tariff_version_import(
                line=found,
                text=file.read_text(encoding="utf-8"),
                activate=activate,
                source=file.name,
            )
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        state = "active" if activate else "draft"
        self.stdout.write(f"{found.code}: version {version.number} imported ({state}).")
