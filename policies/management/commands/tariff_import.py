"""Import a tariff CSV as the next version of a line.

``tariff_import policies/tariffs/third_party-v2.csv --activate`` (the line is read from the
file's name, ``<line>-v<N>.csv``) or ``tariff_import third_party some-file.csv``.
"""

import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from policies.models import Line
from policies.services.catalog import tariff_version_import


def line_code_from_name(path: Path) -> str:
    """``third_party-v2.csv`` → ``third_party``; a name without ``-v<N>`` is the code itself."""
    return re.sub(r"-v\d+$", "", path.stem)


class Command(BaseCommand):
    help = "Import a tariff file (docs/tariffs.md) as a new version of a line."

    def add_arguments(self, parser):
        parser.add_argument(
            "targets",
            nargs="+",
            metavar="[line] file",
            help="the CSV file, optionally preceded by the line code (else taken from the name)",
        )
        parser.add_argument("--activate", action="store_true", help="use it for new quotes")

    def handle(self, *args, targets: list[str], activate: bool, **options):
        if len(targets) == 1:
            file = Path(targets[0])
            code = line_code_from_name(file)
        elif len(targets) == 2:
            code, file = targets[0], Path(targets[1])
        else:
            raise CommandError("Give the file, or the line code and the file.")
        found = Line.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"No line with code {code!r}.")
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            version = tariff_version_import(
                line=found, text=text, activate=activate, source=file.name
            )
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        state = "active" if activate else "draft"
        self.stdout.write(f"{found.code}: version {version.number} imported ({state}).")
