"""Writing SMS templates (decision 035): create, change, delete — each in the agency's
schema, refused for a suspended agency, audited with its actor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import audit as core_audit
from core.sms.parts import Line
from core.text import normalize_text
from crm.services.base import actor_id, agency_write
from messaging.models import SmsTemplate
from messaging.placeholders import body_to_canonical
from messaging.usage import template_in_use

NAME_MAX = 100
BODY_MAX = 2000  # characters as written; a longer text is not an SMS any more

DELETED, DEACTIVATED = "deleted", "deactivated"


def _audit(*, agency: Any, actor: Any, action: str, target: SmsTemplate, changes: Any) -> None:
    core_audit.audit_record(
        actor=actor, action=action, target=target, changes=changes, agency_id=agency.pk
    )


def _clean(*, name: Any = None, body: Any = None, line: Any = None) -> dict[str, Any]:
    """The fields given, checked and in their stored form; every problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if name is not None:
        cleaned["name"] = normalize_text(name)
        if not cleaned["name"]:
            errors["name"] = [_("Enter a name for the template.")]
        elif len(cleaned["name"]) > NAME_MAX:
            errors["name"] = [_("The name is at most 100 characters.")]
    if line is not None:
        if line not in Line.values:
            errors["line"] = [_("Choose the service line or the promotional line.")]
        cleaned["line"] = line
    if body is not None:
        text = normalize_text(body, multiline=True)
        if not text:
            errors["body"] = [_("Enter the text of the message.")]
        elif len(text) > BODY_MAX:
            errors["body"] = [_("The text is at most 2,000 characters.")]
        else:
            try:
                cleaned["body"] = body_to_canonical(text)
            except ValidationError as error:
                errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def sms_template_create(
    *, agency: Any, actor: Any, name: str, body: str, line: str, is_active: bool = True
) -> SmsTemplate:
    """A new template; ``body`` as people write it (``{نام مشتری}``), stored canonical."""
    cleaned = _clean(name=name, body=body, line=line)
    with agency_write(agency):
        template = SmsTemplate.objects.create(
            **cleaned,
            is_active=is_active,
            created_by_user_id=actor_id(actor),
            updated_by_user_id=actor_id(actor),
        )
        _audit(
            agency=agency,
            actor=actor,
            action="sms_template.created",
            target=template,
            changes={"name": (None, template.name), "line": (None, template.line)},
        )
    return template


def sms_template_update(
    *, agency: Any, actor: Any, template: SmsTemplate, **fields: Any
) -> SmsTemplate:
    """Change a template's name, text (as written), line or whether it is active."""
    unknown = set(fields) - {"name", "body", "line", "is_active"}
    if unknown:
        raise TypeError(f"sms_template_update cannot change {sorted(unknown)}")
    cleaned = _clean(name=fields.get("name"), body=fields.get("body"), line=fields.get("line"))
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields["is_active"])
    with agency_write(agency):
        locked = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        changes = {
            field: (getattr(locked, field), value)
            for field, value in cleaned.items()
            if getattr(locked, field) != value
        }
        if not changes:
            return locked
        for field, (_old, value) in changes.items():
            setattr(locked, field, value)
        locked.updated_by_user_id = actor_id(actor)
        locked.save(update_fields=[*changes, "updated_by_user_id", "updated_at"])
        _audit(
            agency=agency,
            actor=actor,
            action="sms_template.updated",
            target=locked,
            changes=changes,
        )
    return locked


def sms_template_delete(*, agency: Any, actor: Any, template: SmsTemplate) -> str:
    """Delete a template nobody uses (``DELETED``); one that patterns or bulk sends use is
    deactivated instead (``DEACTIVATED``), so their history keeps its text."""
    with agency_write(agency):
        locked = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        if template_in_use(locked):
            if locked.is_active:
                locked.is_active = False
                locked.updated_by_user_id = actor_id(actor)
                locked.save(update_fields=["is_active", "updated_by_user_id", "updated_at"])
                _audit(
                    agency=agency,
                    actor=actor,
                    action="sms_template.deactivated",
                    target=locked,
                    changes={"is_active": (True, False)},
                )
            return DEACTIVATED
        _audit(
            agency=agency,
            actor=actor,
            action="sms_template.deleted",
            target=locked,
            changes={"name": (locked.name, None)},
        )
        locked.delete()
    return DELETED
