"""The catalog as data: lines, questions, documents and versioned tariffs from CSV files.

File formats are in docs/tariffs.md. A tariff version is never edited once imported: a
change is a new version, and activating it retires the previous one; quotes keep the
version they were priced with.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from policies.catalog_cache import catalog_changed
from policies.models import (
    AgencyLine,
    DocumentRequirement,
    Line,
    Question,
    TariffRule,
    TariffVersion,
)
from tenants.services import agency_require_active

TARIFF_DIR = Path(__file__).resolve().parent.parent / "tariffs"
TARIFF_COLUMNS = [
    "position",
    "code",
    "label",
    "label_en",
    "kind",
    "question",
    "basis",
    "table",
    "params",
]
# Files written before rules had an English name: still read (English pages then show the
# Persian name of their lines).
TARIFF_COLUMNS_PERSIAN_ONLY = [column for column in TARIFF_COLUMNS if column != "label_en"]
_TERM = re.compile(r"^(subtotal|net|rule:[\w-]+|answer:[\w-]+|age:[\w-]+|\d+(\.\d+)?)$")


def _yes(value: str) -> bool:
    return value.strip().lower() in {"yes", "1", "true", "بله"}


def _pairs(text: str, *, line_no: int, column: str) -> dict[str, str]:
    """``a=1;b=2`` → {"a": "1", "b": "2"}."""
    result: dict[str, str] = {}
    for item in (part.strip() for part in text.split(";") if part.strip()):
        if "=" not in item:
            raise ValidationError(
                _("Line %(line)s, column %(column)s: “%(item)s” is not key=value.")
                % {"line": line_no, "column": column, "item": item}
            )
        key, value = item.split("=", 1)
        result[key.strip()] = value.strip()
    return result


def tariff_rules_parse(*, line: Line, text: str) -> list[dict[str, Any]]:
    """Read a tariff CSV; every problem is reported with its line number, nothing is written."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames not in (TARIFF_COLUMNS, TARIFF_COLUMNS_PERSIAN_ONLY):
        raise ValidationError(
            _("Line 1: the header must be %(columns)s.") % {"columns": ",".join(TARIFF_COLUMNS)}
        )
    kinds = dict(line.questions.values_list("code", "kind"))
    known_answers = set(kinds)
    # Terms that multiply (answer:, age:) need a number, not a choice or a text.
    numeric = {code for code, kind in kinds.items() if kind in ("integer", "amount")}
    errors: list[str] = []
    rules: list[dict[str, Any]] = []
    codes: set[str] = set()
    for line_no, row in enumerate(reader, start=2):
        try:
            if None in row or any(value is None for value in row.values()):
                raise ValidationError(
                    _("Line %(line)s: wrong number of columns.") % {"line": line_no}
                )
            try:
                position = int(row["position"])
            except ValueError:
                raise ValidationError(
                    _("Line %(line)s: position must be a whole number.") % {"line": line_no}
                ) from None
            code = row["code"].strip()
            if not re.fullmatch(r"[a-z0-9_]+", code) or code in codes:
                raise ValidationError(
                    _("Line %(line)s: the code “%(code)s” is missing, invalid or repeated.")
                    % {"line": line_no, "code": code}
                )
            if row["kind"] not in TariffRule.Kind.values:
                raise ValidationError(
                    _("Line %(line)s: unknown kind “%(kind)s”.")
                    % {"line": line_no, "kind": row["kind"]}
                )
            table = _pairs(row["table"], line_no=line_no, column="table")
            for key, value in table.items():
                try:
                    Decimal(value)
                except InvalidOperation:
                    raise ValidationError(
                        _("Line %(line)s: “%(value)s” for “%(key)s” is not a number.")
                        % {"line": line_no, "value": value, "key": key}
                    ) from None
            params = _pairs(row["params"], line_no=line_no, column="params")
            unknown = set(params) - {"when", "min", "max"}
            if unknown:
                raise ValidationError(
                    _("Line %(line)s: unknown parameter “%(name)s”.")
                    % {"line": line_no, "name": sorted(unknown)[0]}
                )
            when = re.split(r"!?=", params.get("when", ""), maxsplit=1)[0].strip()
            if when and when not in known_answers:
                raise ValidationError(
                    _("Line %(line)s: the line has no question “%(code)s”.")
                    % {"line": line_no, "code": when}
                )
            terms = [row["basis"], params.get("min", ""), params.get("max", "")]
            for term in (part for text in terms for part in text.split("*")):
                term = term.strip()
                if term and not _TERM.match(term):
                    raise ValidationError(
                        _("Line %(line)s: “%(term)s” is not a valid term.")
                        % {"line": line_no, "term": term}
                    )
                if term.startswith(("rule:",)) and term[5:] not in codes:
                    raise ValidationError(
                        _("Line %(line)s: rule “%(rule)s” must come earlier.")
                        % {"line": line_no, "rule": term[5:]}
                    )
                if (
                    term.startswith(("answer:", "age:"))
                    and term.split(":", 1)[1] not in known_answers
                ):
                    raise ValidationError(
                        _("Line %(line)s: the line has no question “%(code)s”.")
                        % {"line": line_no, "code": term.split(":", 1)[1]}
                    )
                if term.startswith(("answer:", "age:")) and term.split(":", 1)[1] not in numeric:
                    raise ValidationError(
                        _("Line %(line)s: “%(code)s” is not a numeric question.")
                        % {"line": line_no, "code": term.split(":", 1)[1]}
                    )
            for answer in (q.removeprefix("age:") for q in row["question"].split("|") if q):
                if answer not in known_answers:
                    raise ValidationError(
                        _("Line %(line)s: the line has no question “%(code)s”.")
                        % {"line": line_no, "code": answer}
                    )
            codes.add(code)
            rules.append(
                {
                    "position": position,
                    "code": code,
                    "label": row["label"].strip(),
                    "label_en": (row.get("label_en") or "").strip(),
                    "kind": row["kind"],
                    "question": row["question"].strip(),
                    "basis": row["basis"].strip(),
                    "table": table,
                    "params": params,
                }
            )
        except ValidationError as error:
            errors.extend(error.messages)
    if not rules and not errors:
        errors.append(_("The file has no rules."))
    if errors:
        raise ValidationError(errors)
    return rules


def tariff_version_import(
    *, line: Line, text: str, actor: Any = None, activate: bool = False, source: str = ""
) -> TariffVersion:
    """Create the next tariff version of ``line`` from CSV text (optionally activate it)."""
    rules = tariff_rules_parse(line=line, text=text)
    with transaction.atomic():
        Line.objects.select_for_update().get(pk=line.pk)
        number = (line.tariff_versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TariffVersion.objects.create(
            line=line,
            number=number,
            source=source[:200],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        TariffRule.objects.bulk_create(TariffRule(version=version, **rule) for rule in rules)
        catalog_changed()
        audit_record(
            actor=actor,
            action="tariff.imported",
            target=version,
            changes={"rules": (None, len(rules))},
        )
        if activate:
            tariff_version_activate(version=version, actor=actor)
    return version


def tariff_version_activate(*, version: TariffVersion, actor: Any = None) -> TariffVersion:
    """Make ``version`` the one new quotes use; the previously active one is retired."""
    with transaction.atomic():
        previous = list(
            TariffVersion.objects.select_for_update().filter(
                line_id=version.line_id, status=TariffVersion.Status.ACTIVE
            )
        )
        for old in previous:
            if old.pk != version.pk:
                old.status = TariffVersion.Status.RETIRED
                old.save(update_fields=["status"])
        TariffVersion.objects.filter(pk=version.pk).update(
            status=TariffVersion.Status.ACTIVE, activated_at=timezone.now()
        )
        catalog_changed()
        version.refresh_from_db()
        audit_record(
            actor=actor,
            action="tariff.activated",
            target=version,
            changes={"status": (None, version.status)},
        )
    return version


def _read(name: str) -> list[dict[str, str]]:
    with (TARIFF_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _choices(text: str, text_en: str = "") -> list[dict[str, str]]:
    """``a=الف;b=ب`` and ``a=A;b=B`` → ``[{"value": "a", "label": "الف", "label_en": "A"}, …]``."""
    english = _pairs(text_en, line_no=0, column="choices_en")
    return [
        {"value": key, "label": label, "label_en": english.get(key, "")}
        for key, label in _pairs(text, line_no=0, column="choices").items()
    ]


def _decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def catalog_load(*, lines: Iterable[str] | None = None) -> None:
    """Load (or update) the lines, questions and documents, and give each line its first
    tariff from policies/tariffs/ if it has none. Running it again changes nothing."""
    wanted = set(lines) if lines else None
    with transaction.atomic():
        by_code: dict[str, Line] = {}
        for row in _read("lines.csv"):
            if wanted and row["code"] not in wanted:
                continue
            line, _created = Line.objects.update_or_create(
                code=row["code"],
                defaults={
                    "number_code": int(row["number_code"]),
                    "name": row["name"],
                    "name_en": row.get("name_en", ""),
                    "summary": row["summary"],
                    "summary_en": row.get("summary_en", ""),
                    "term_days": int(row["term_days"]),
                    "term_question": row["term_question"],
                    "position": int(row["position"]),
                },
            )
            by_code[line.code] = line
        for row in _read("questions.csv"):
            owner = by_code.get(row["line"])
            if owner is None:
                continue
            Question.objects.update_or_create(
                line=owner,
                code=row["code"],
                defaults={
                    "stage": row["stage"],
                    "position": int(row["position"]),
                    "label": row["label"],
                    "label_en": row.get("label_en", ""),
                    "kind": row["kind"],
                    "required": _yes(row["required"]),
                    "choices": (
                        _choices(row["choices"], row.get("choices_en", ""))
                        if row["choices"]
                        else []
                    ),
                    "min_value": _decimal_or_none(row["min"]),
                    "max_value": _decimal_or_none(row["max"]),
                    "pattern": row["pattern"],
                    "default": row["default"],
                    "help_text": row["help"],
                    "help_text_en": row.get("help_en", ""),
                },
            )
        for row in _read("documents.csv"):
            owner = by_code.get(row["line"])
            if owner is None:
                continue
            DocumentRequirement.objects.update_or_create(
                line=owner,
                code=row["code"],
                defaults={
                    "position": int(row["position"]),
                    "label": row["label"],
                    "label_en": row.get("label_en", ""),
                    "required": _yes(row["required"]),
                },
            )
        for code, line in by_code.items():
            if not line.tariff_versions.exists():
                path = TARIFF_DIR / f"{code}-v1.csv"
                tariff_version_import(
                    line=line,
                    text=path.read_text(encoding="utf-8"),
                    activate=True,
                    source=path.name,
                )


def agency_line_offer_set(*, agency: Any, line: Line, offered: bool, actor: Any) -> AgencyLine:
    """An agency chooses whether it sells a line on its site, within what the insurer allows:
    a line the insurer does not allow cannot be switched on. Audited; refused while the
    agency is not active."""
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        setting, _created = AgencyLine.objects.select_for_update().get_or_create(
            agency=agency, line=line
        )
        if offered and not setting.allowed:
            raise ValidationError(
                _("The insurer does not allow your agency to sell %(line)s.")
                % {"line": line.display_name},
                code="not_allowed",
            )
        if setting.offered != offered:
            audit_record(
                actor=actor,
                action="agency_line.offered",
                target=setting,
                changes={"offered": (setting.offered, offered)},
                agency_id=agency.pk,
            )
            setting.offered = offered
            setting.save(update_fields=["offered", "updated_at"])
    return setting


def agency_line_allow_set(*, agency: Any, line_code: str, allowed: bool, actor: Any) -> AgencyLine:
    """The insurer allows or restricts a line for an agency (an approved control request).
    A restricted line disappears from the agency's site and its API refuses it."""
    line = Line.objects.get(code=line_code)
    with transaction.atomic():
        setting, _created = AgencyLine.objects.select_for_update().get_or_create(
            agency=agency, line=line
        )
        if setting.allowed != allowed:
            audit_record(
                actor=actor,
                action="agency_line.allowed",
                target=setting,
                changes={"allowed": (setting.allowed, allowed)},
                agency_id=agency.pk,
            )
            setting.allowed = allowed
            setting.save(update_fields=["allowed", "updated_at"])
    return setting


def line_name_for(code: str) -> str | None:
    """The line's name in the page's language (None: no such line)."""
    line = Line.objects.filter(code=code).first()
    return line.display_name if line else None
