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


def test_a_message_means_one_thing_in_every_catalogue():
    """Catalogues are merged into one at run time, so one English message without a context
    must have one Persian translation: the same word with two meanings ("to" a date, "to" a
    recipient; "Staff" the page, "Staff" the role) is told apart by a context (pgettext)."""
    translations: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for catalogue in CATALOGUES:
        owner = catalogue.relative_to(ROOT).parts[0]
        for block in catalogue.read_text(encoding="utf-8").split("\n\n"):
            context = re.search(r'^msgctxt "(.*)"$', block, flags=re.M)
            for msgid, msgstr, _flags in _entries(block):
                if msgid and "msgid_plural" not in block:
                    key = (context.group(1) if context else "", msgid)
                    translations.setdefault(key, set()).add((msgstr, owner))
    differing = {
        key: sorted(found)
        for key, found in translations.items()
        if len({msgstr for msgstr, _owner in found}) > 1
    }
    assert differing == {}


def test_the_end_of_a_period_and_a_message_recipient_are_told_apart():
    from django.utils import translation

    with translation.override("fa"):
        assert translation.pgettext("period end", "to") == "تا"
        assert translation.pgettext("period start", "from") == "از"
        assert translation.pgettext("message recipient", "to") == "گیرنده"
        assert translation.pgettext("agency role", "Staff") == "کارمند"
        assert translation.gettext("Staff") == "کارکنان"
