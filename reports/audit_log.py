"""An audit row as people read it: when in Tehran, who, what, and each field's old → new,
every code named in words (core.labels): the page and its Excel file never show an action
code, a field's key, a system actor's code or a UTC timestamp."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import unescape
from typing import Any

from django.apps import apps
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core import xlsx
from core.digits import localize_digits, persian_digits_active, to_latin_digits
from core.jalali import to_jalali
from core.labels import (
    AUDIT_ACTIONS,
    actor_label,
    audit_field_is_latin,
    audit_field_label,
    audit_value,
)
from core.models import AuditLog

# Above this the Excel file would be too big to build within a request.
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Change:
    field: str  # the field's name, never its key
    old: str
    new: str
    latin: bool = False  # values are Latin codes (kept with their Latin digits)


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    action: str  # what happened, in words
    who: str
    mobile: str
    target_kind: str  # the kind of thing changed, in words
    target: str
    agency_code: int | None
    changes: list[Change]

    def changes_text(self) -> str:
        separator = "؛ " if persian_digits_active() else "; "
        return separator.join(
            f"{change.field}: {change.old} → {change.new}" for change in self.changes
        )


@cache
def _model_names() -> dict[str, Any]:
    return {model._meta.label_lower: model._meta.verbose_name for model in apps.get_models()}


def target_kind_label(target_type: str) -> str:
    """The kind of thing an audit row changed ("order"), never its model label."""
    name = _model_names().get(target_type)
    return str(capfirst(name)) if name is not None else _("Other record")


def audit_row(entry: AuditLog) -> AuditRow:
    who, mobile = actor_label(user=entry.actor, label=entry.actor_label)
    kind = target_kind_label(entry.target_type)
    changes = []
    for field, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        changes.append(
            Change(
                field=audit_field_label(entry.target_type, field),
                old=audit_value(entry.target_type, field, old),
                new=audit_value(entry.target_type, field, new),
                latin=audit_field_is_latin(entry.target_type, field),
            )
        )
    return AuditRow(
        entry=entry,
        action=AUDIT_ACTIONS.label(entry.action),
        who=who,
        mobile=mobile,
        target_kind=kind,
        target=f"{kind} #{localize_digits(entry.target_id)}",
        agency_code=getattr(entry, "agency_code", None),
        changes=changes,
    )


def write_audit(entries: Iterable[AuditLog]):
    """The ``write`` callback of :func:`core.xlsx.xlsx_response` for audit rows."""

    def write(book: xlsx.XlsxWriter) -> None:
        sheet = book.sheet(
            _("Audit log"),
            [
                xlsx.Column(_("When (Tehran time)"), width=20),
                xlsx.Column(_("Who"), width=22),
                xlsx.Column(_("Mobile number"), width=14),
                xlsx.Column(_("Action"), width=24),
                xlsx.Column(_("Kind of record"), width=24),
                xlsx.Column(_("Record number"), width=12),
                xlsx.Column(_("Agency code"), width=10),
                xlsx.Column(_("Changes"), width=60),
                xlsx.Column(_("IP address"), width=16),
            ],
        )
        for entry in entries:
            row = audit_row(entry)
            # A file's cells keep Latin digits, which spreadsheets read as numbers and dates.
            sheet.row(
                [
                    to_jalali(entry.created_at).strftime("%Y/%m/%d %H:%M:%S"),
                    to_latin_digits(row.who),
                    row.mobile or None,
                    row.action,
                    row.target_kind,
                    entry.target_id,
                    None if row.agency_code is None else str(row.agency_code),
                    to_latin_digits(unescape(strip_tags(row.changes_text()))) or None,
                    entry.ip_address or None,
                ]
            )
        sheet.close()

    return write
