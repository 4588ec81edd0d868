"""The audit log: every state change is recorded with its actor in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models import AuditLog


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: dict[str, tuple[Any, Any]] | None = None,
    agency_id: int | None = None,
    ip_address: str | None = None,
    actor_label: str = "",
) -> AuditLog:
    """Write one audit row: ``changes`` maps a field to ``(old, new)``.

    ``actor`` is a user, or ``None`` for the system (then ``actor_label`` says which part).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=user,
        actor_label=actor_label or (str(user) if user else "system"),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        agency_id=agency_id,
        changes={
            field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()
        },
        ip_address=ip_address,
    )
