"""Names people read for the codes the system stores (decision 021).

The audit log, the sales record and the payments keep short English codes (``order.paid``,
``payment_started``, ``gateway:zarinpal``, a field's name). Nobody should ever read one:
each app registers the translated name of every code it writes, in its ``labels`` module
loaded by ``AppConfig.ready``, and pages and files show codes only through these registries.
An unregistered code shows a generic name ("Other change"), never itself;
``tests/core/test_labels.py`` finds every code written in the source and fails while one has
no name.

``core`` holds the mechanism and the registries every app shares; an app with codes of its
own (the sales record's events) makes a :class:`LabelRegistry` of its own.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.digits import format_number, localize_digits, persian_digits_active
from core.jalali import format_jalali_date, format_jalali_datetime

Label = str | Promise


class LabelRegistry:
    """Codes of one kind and their translated names."""

    def __init__(self, name: str, *, fallback: Label) -> None:
        self.name = name
        self.fallback = fallback
        self._labels: dict[str, Label] = {}

    def register(self, labels: Mapping[str, Label]) -> None:
        """Add names; a code named twice keeps the first name (apps must not fight over one)."""
        for code, label in labels.items():
            self._labels.setdefault(code, label)

    def __contains__(self, code: object) -> bool:
        return code in self._labels

    def codes(self) -> list[str]:
        return sorted(self._labels)

    def label(self, code: str | None) -> str:
        """The name of ``code`` in the active language; the generic name when it has none."""
        found = self._labels.get(code or "")
        return str(found if found is not None else self.fallback)

    def choices(self, codes: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """``(code, name)`` pairs for a select, sorted by name."""
        wanted = self._labels if codes is None else codes
        return sorted(((code, self.label(code)) for code in wanted), key=lambda pair: pair[1])


# What a change in the audit log was ("order.paid" → "Order paid").
AUDIT_ACTIONS = LabelRegistry("audit action", fallback=_("Other change"))
# The families of actions, by the part before the first dot ("order." → "Orders").
AUDIT_ACTION_GROUPS = LabelRegistry("audit action group", fallback=_("Other changes"))
# Keys of an audit row's changes that are not a field of the changed model ("rules", "note"),
# or that need another name there: "<app_label>.<model>.<key>" or a bare "<key>".
AUDIT_FIELDS = LabelRegistry("audit field", fallback=_("Other detail"))
# Who did it, when nobody logged in did: a part of the system ("referrals", "gateway:…").
ACTORS = LabelRegistry("actor", fallback=_("System"))
# Payment gateways, by the name kept on each payment ("sandbox", "zarinpal").
PAYMENT_GATEWAYS = LabelRegistry("payment gateway", fallback=_("Bank gateway"))

ACTORS.register(
    {
        "": _("System"),
        "system": _("System"),
    }
)
PAYMENT_GATEWAYS.register(
    {
        "sandbox": _("Sandbox bank (development)"),
        "zarinpal": _("Zarinpal"),
    }
)

# How a change's value is shown for a key of a model: "<app_label>.<model>.<key>" → function.
_VALUE_FORMATS: dict[str, Callable[[Any], str]] = {}
# Fields whose values are codes of Latin letters and digits, kept as they are.
LATIN_FIELDS = {"ip_address", "user_agent", "verification_code", "token", "sha256", "sheba"}
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Longer texts are shown as they are rather than read back as a structure.
STRUCTURE_MAX_CHARS = 20_000


def audit_value_format_register(target_type: str, key: str, shown: Callable[[Any], str]) -> None:
    """Show the values of ``key`` in changes of ``target_type`` with ``shown`` (e.g. an
    order's extra details, whose keys are question codes)."""
    _VALUE_FORMATS[f"{target_type}.{key}"] = shown


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(target_type: str, key: str) -> models.Field | None:
    model = _model(target_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and reverse relations alike
        return None
    return field if isinstance(field, models.Field) else None


def audit_field_label(target_type: str, key: str) -> str:
    """The name of a changed field: registered for the model, registered for any model, the
    model field's own name, else the generic name (never the key itself)."""
    for code in (f"{target_type}.{key}", key):
        if code in AUDIT_FIELDS:
            return AUDIT_FIELDS.label(code)
    field = _field(target_type, key)
    if field is not None:
        return str(capfirst(field.verbose_name))
    return AUDIT_FIELDS.label(None)


def audit_field_is_latin(target_type: str, key: str) -> bool:
    """Whether the values of this key are Latin codes (kept with their Latin digits)."""
    return key in LATIN_FIELDS


def _structure(value: Any) -> Any:
    """A dict or list the audit log kept as its Python text (``"{'a': 1}"``), read back."""
    if (
        isinstance(value, str)
        and len(value) <= STRUCTURE_MAX_CHARS
        and value[:1] in "{["
        and value[-1:] in "}]"
    ):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
        if isinstance(parsed, dict | list):
            return parsed
    return value


def audit_value(target_type: str, key: str, value: Any) -> str:
    """A value of a change as people read it: a choice's name, a Jalali date (Tehran time),
    yes/no, a number in the page's digits; "—" for nothing."""
    value = _structure(value)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    shown = _VALUE_FORMATS.get(f"{target_type}.{key}")
    if shown is not None:
        return shown(value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    field = _field(target_type, key)
    if field is not None and field.choices:
        choices = {str(k): v for k, v in field.flatchoices}
        if str(value) in choices:
            return str(choices[str(value)])
    if isinstance(value, str):
        if _ISO_DATETIME.match(value) and (moment := parse_datetime(value.replace(" ", "T"))):
            return format_jalali_datetime(moment)
        if _ISO_DATE.match(value) and (day := parse_date(value)):
            return format_jalali_date(day)
        if audit_field_is_latin(target_type, key):
            return value
        return localize_digits(value)
    if isinstance(value, int | float):
        return format_number(value, grouping=not isinstance(field, models.ForeignKey))
    if isinstance(value, dict):
        separator = "؛ " if persian_digits_active() else "; "
        parts = []
        for inner, item in value.items():
            name = audit_field_label(target_type, str(inner))
            parts.append(f"{name}: {audit_value(target_type, str(inner), item)}")
        return separator.join(parts)
    if isinstance(value, list):
        separator = "، " if persian_digits_active() else ", "
        return separator.join(audit_value(target_type, key, item) for item in value)
    if isinstance(value, dt.date):
        return format_jalali_date(value)
    return localize_digits(value)


def actor_label(*, user: Any, label: str) -> tuple[str, str]:
    """Who did something: ``(name, mobile)`` of a person, or the name of a part of the
    system for a stored label such as ``referrals`` or ``gateway:zarinpal``."""
    if user is not None:
        return str(user.get_full_name() or localize_digits(user.mobile)), user.mobile
    if label in ACTORS:
        return ACTORS.label(label), ""
    if label.startswith("gateway:"):
        return str(_("Bank gateway (%(name)s)") % {"name": PAYMENT_GATEWAYS.label(label[8:])}), ""
    # A person whose account is gone: the name or mobile number kept when they acted.
    if re.fullmatch(r"[\d+ ]+", label):
        return localize_digits(label), label
    if re.fullmatch(r"[a-z_:.\-]+", label):
        return ACTORS.label(None), ""
    return label, ""
