"""What sent a message, in the agency's words (decision 039).

A message's ``source`` is ``"<kind>:<id>"`` ("pattern:12", "bulk:7"); each kind is shown with
its label and, when the part that owns it registered a name reader, the name of the pattern or
bulk send — read for a whole page at once, one query per kind present. A message a member
sent by hand shows the member; anything else is the system's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.selectors.names import user_names

PATTERN = "pattern"
BULK = "bulk"
MANUAL = "manual"
SYSTEM = "system"

# The log's "source" filter, in order.
KIND_CHOICES: list[tuple[str, str | Promise]] = [
    (PATTERN, _("Contact pattern")),
    (BULK, _("Bulk send")),
    (MANUAL, _("Sent by a member")),
    (SYSTEM, _("System")),
]

# ids → {id: name}, read in the agency's schema.
NameReader = Callable[[set[int]], dict[int, str]]


@dataclass(frozen=True)
class SourceKind:
    prefix: str
    label: str | Promise
    names: NameReader | None = None


_kinds: dict[str, SourceKind] = {
    PATTERN: SourceKind(PATTERN, _("Contact pattern")),
    BULK: SourceKind(BULK, _("Bulk send")),
}


def sms_source_register(*, prefix: str, label: str | Promise, names: NameReader | None) -> None:
    """Show sources ``"<prefix>:<id>"`` as ``label: <name>`` (``names`` reads the names of a
    page's ids in one query). The part that owns patterns or bulk sends registers its own."""
    _kinds[prefix] = SourceKind(prefix, label, names)


def source_kind_filter(kind: str) -> Q | None:
    """The messages of one kind of source (None: an unknown kind, no filter)."""
    prefixed = Q()
    for prefix in _kinds:
        prefixed |= Q(source__startswith=f"{prefix}:")
    if kind in _kinds:
        return Q(source__startswith=f"{kind}:")
    if kind == MANUAL:
        return ~prefixed & Q(actor_id__isnull=False)
    if kind == SYSTEM:
        return ~prefixed & Q(actor_id__isnull=True)
    return None


def _split(source: str) -> tuple[str, int | None]:
    prefix, _sep, rest = source.partition(":")
    return prefix, int(rest) if rest.isdigit() and len(rest) < 19 else None


class SourceLabels:
    """Labels of the sources of a batch of messages, read at once (constant queries)."""

    def __init__(self, messages: Iterable[Any]) -> None:
        wanted: dict[str, set[int]] = defaultdict(set)
        people: set[int] = set()
        for message in messages:
            prefix, pk = _split(message.source or "")
            if prefix in _kinds and pk is not None:
                wanted[prefix].add(pk)
            elif message.actor_id:
                people.add(message.actor_id)
        self.names: dict[str, dict[int, str]] = {}
        for prefix, ids in wanted.items():
            reader = _kinds[prefix].names
            self.names[prefix] = reader(ids) if reader else {}
        self.people = user_names(people)
        # Translated once for the batch (a lazy label costs a lookup each time it is read).
        self.kind_labels = {prefix: str(kind.label) for prefix, kind in _kinds.items()}
        self.system = str(_("System"))
        self.member = str(KIND_CHOICES[2][1])

    def label(self, message: Any) -> str:
        prefix, pk = _split(message.source or "")
        kind = _kinds.get(prefix)
        if kind is not None and pk is not None:
            name = self.names.get(prefix, {}).get(pk)
            label = self.kind_labels[prefix]
            return f"{label}: {name}" if name else label
        if message.actor_id:
            name = self.people.get(message.actor_id)
            return str(_("Sent by %(name)s") % {"name": name}) if name else self.member
        return self.system
