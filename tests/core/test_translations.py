"""Every message catalogue is complete: no string is left untranslated or fuzzy in Persian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/fa/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def _entries(text: str):
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
                line = line[6:]
            elif line.startswith("msgstr"):
                current = msgstr
                line = re.sub(r"^msgstr(\[\d\])? ", "", line)
            elif line.startswith("msgid_plural"):
                current = None
            if current is not None and line.startswith('"'):
                current.append(line[1:-1])
        if msgid:
            yield "".join(msgid), "".join(msgstr), flags


def test_there_are_catalogues():
    owners = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert owners >= {"accounts", "core", "tenants", "locale"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(catalogue):
    missing = [
        msgid
        for msgid, msgstr, flags in _entries(catalogue.read_text(encoding="utf-8"))
        if msgid and (not msgstr or "fuzzy" in flags)
    ]
    assert missing == []
    assert catalogue.with_suffix(".mo").exists()
