"""Writing contact patterns: create, change, switch on or off, delete — in the agency's
schema, refused for a suspended agency, audited with the actor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import audit as core_audit
from core.text import normalize_text
from crm.services.base import actor_id, agency_write
from messaging.patterns.models import BEFORE_EVENTS, Event, SmsPattern

FIELDS = ("name", "event", "offset_days", "template", "send_time", "line_code", "is_active")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    cleaned["name"] = normalize_text(values.get("name") or "")
    if not cleaned["name"]:
        errors["name"] = [_("Enter a name for the pattern.")]
    if values.get("event") not in Event.values:
        errors["event"] = [_("Choose the event that sends the message.")]
    offset = values.get("offset_days")
    if offset is None or not 0 <= int(offset) <= 365:
        errors["offset_days"] = [_("Enter a number of days from 0 to 365.")]
    template = values.get("template")
    if template is None:
        errors["template"] = [_("Choose a template.")]
    elif not template.is_active:
        errors["template"] = [_("This template is switched off; choose an active one.")]
    if not isinstance(values.get("send_time"), dt.time):
        errors["send_time"] = [_("Enter the time of day, e.g. 10:00.")]
    if errors:
        raise ValidationError(errors)
    cleaned["line_code"] = values.get("line_code") or ""
    cleaned["is_active"] = bool(values.get("is_active"))
    return cleaned


def _audit(*, agency: Any, actor: Any, action: str, pattern: SmsPattern, changes: Any) -> None:
    core_audit.audit_record(
        actor=actor, action=action, target=pattern, changes=changes, agency_id=agency.pk
    )


def pattern_create(*, agency: Any, actor: Any, **values: Any) -> SmsPattern:
    cleaned = _clean(values)
    with agency_write(agency):
        pattern = SmsPattern.objects.create(**cleaned, created_by_user_id=actor_id(actor))
        _audit(
            agency=agency,
            actor=actor,
            action="sms_pattern.created",
            pattern=pattern,
            changes={field: (None, _plain(getattr(pattern, field))) for field in FIELDS},
        )
    return pattern


def pattern_update(*, agency: Any, actor: Any, pattern: SmsPattern, **values: Any) -> SmsPattern:
    cleaned = _clean(values)
    with agency_write(agency):
        locked = SmsPattern.objects.select_for_update().get(pk=pattern.pk)
        changes = {
            field: (_plain(getattr(locked, field)), _plain(value))
            for field, value in cleaned.items()
            if getattr(locked, field) != value
        }
        for field, value in cleaned.items():
            setattr(locked, field, value)
        locked.save()
        if changes:
            _audit(
                agency=agency,
                actor=actor,
                action="sms_pattern.changed",
                pattern=locked,
                changes=changes,
            )
    return locked


def pattern_switch(*, agency: Any, actor: Any, pattern: SmsPattern, on: bool) -> SmsPattern:
    with agency_write(agency):
        locked = (
            SmsPattern.objects.select_for_update().select_related("template").get(pk=pattern.pk)
        )
        if on and not locked.template.is_active:
            raise ValidationError(_("Its template is switched off; choose an active one first."))
        if locked.is_active != on:
            SmsPattern.objects.filter(pk=locked.pk).update(is_active=on)
            _audit(
                agency=agency,
                actor=actor,
                action="sms_pattern.switched",
                pattern=locked,
                changes={"is_active": (locked.is_active, on)},
            )
            locked.is_active = on
    return locked


def pattern_delete(*, agency: Any, actor: Any, pattern: SmsPattern) -> None:
    """Delete a pattern and its decisions (the messages stay in the log)."""
    with agency_write(agency):
        _audit(
            agency=agency,
            actor=actor,
            action="sms_pattern.deleted",
            pattern=pattern,
            changes={"name": (pattern.name, None)},
        )
        SmsPattern.objects.filter(pk=pattern.pk).delete()


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def offset_is_before(event: str) -> bool:
    return event in BEFORE_EVENTS
