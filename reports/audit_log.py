"""An audit row as people read it: when in Tehran, who, what, and each field's old → new."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from core import xlsx
from core.jalali import to_jalali
from core.models import AuditLog

# Above this the Excel file would be too big to build within a request.
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    who: str
    mobile: str
    target: str
    agency_code: int | None
    changes: list[Change]

    def changes_text(self) -> str:
        return "; ".join(f"{change.field}: {change.old} → {change.new}" for change in self.changes)


@cache
def _model_names() -> dict[str, Any]:
    return {model._meta.label_lower: model._meta.verbose_name for model in apps.get_models()}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def audit_row(entry: AuditLog) -> AuditRow:
    actor = entry.actor
    if actor is not None:
        who, mobile = actor.get_full_name() or actor.mobile, actor.mobile
    elif entry.actor_label in ("", "system"):
        who, mobile = _("System"), ""
    else:
        who, mobile = entry.actor_label, ""
    name = _model_names().get(entry.target_type, entry.target_type)
    changes = []
    for field, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        changes.append(Change(field, _shown(old), _shown(new)))
    return AuditRow(
        entry=entry,
        who=str(who),
        mobile=mobile,
        target=f"{name} #{entry.target_id}",
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
                xlsx.Column(_("Target type"), width=24),
                xlsx.Column(_("Target id"), width=12),
                xlsx.Column(_("Agency code"), width=10),
                xlsx.Column(_("Changes"), width=60),
                xlsx.Column(_("IP address"), width=16),
            ],
        )
        for entry in entries:
            row = audit_row(entry)
            sheet.row(
                [
                    to_jalali(entry.created_at).strftime("%Y/%m/%d %H:%M:%S"),
                    row.who,
                    row.mobile or None,
                    entry.action,
                    entry.target_type,
                    entry.target_id,
                    None if row.agency_code is None else str(row.agency_code),
                    row.changes_text() or None,
                    entry.ip_address or None,
                ]
            )
        sheet.close()

    return write
