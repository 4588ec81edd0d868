"""Profiles, identity verification and insurer roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.validators import normalize_national_code

NAME_MAX_LENGTH = 100  # User.first_name / last_name
PROFILE_FIELDS = ("first_name", "last_name", "national_code", "birth_date", "email")
# Nobody insured today was born before this.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _clean_profile_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise the submitted values; return them with a message per bad field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if name in ("first_name", "last_name"):
            value = " ".join(str(value or "").split())
            if len(value) > NAME_MAX_LENGTH:
                errors[name] = _("This name is too long.")
        elif name == "national_code":
            try:
                value = normalize_national_code(value) if value else ""
            except ValidationError as error:
                errors[name] = error.messages[0]
        elif name == "birth_date":
            if value is not None and not isinstance(value, dt.date):
                raise TypeError("birth_date must be a date or None")
            if isinstance(value, dt.datetime):
                value = value.date()
            if value is not None and value > timezone.localdate():
                errors[name] = _("The birth date cannot be in the future.")
            elif value is not None and value < EARLIEST_BIRTH_DATE:
                errors[name] = _("Enter a real birth date.")
        elif name == "email":
            value = BaseUserManager.normalize_email(str(value or "").strip())
            if value:
                try:
                    validate_email(value)
                except ValidationError:
                    errors[name] = _("Enter a valid e-mail address.")
        cleaned[name] = value
    return cleaned, errors


def user_profile_update(*, user: User, actor: Any, **fields: Any) -> User:
    """Change a person's profile: ``first_name``, ``last_name``, ``national_code``,
    ``birth_date`` (a Gregorian date) and ``email``; only the fields given are touched.

    Identity fields (name, national code, birth date) are locked once the identity is
    verified: changing one then is refused and nothing is saved. One audit row lists
    every change (old → new). Raises ``ValidationError`` keyed by field.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    cleaned, errors = _clean_profile_fields(fields)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changes: dict[str, tuple[Any, Any]] = {}
        for field, value in cleaned.items():
            old = getattr(locked, field)
            if old == value or field in errors:
                continue
            if locked.identity_locked and field in User.IDENTITY_FIELDS:
                errors[field] = _("This field is verified and can no longer be changed.")
                continue
            changes[field] = (old, value)
        if errors:
            raise ValidationError(
                {
                    field: ValidationError(message, code="invalid")
                    for field, message in errors.items()
                }
            )
        if changes:
            for field, (_old, value) in changes.items():
                setattr(locked, field, value)
            locked.save(update_fields=list(changes))
            audit_record(actor=actor, action="user.profile", target=locked, changes=changes)
    return locked


def user_identity_verify(*, user: User, actor: Any) -> User:
    """Mark a person's identity as verified (by an operator or an identity service), which
    locks name, national code and birth date. Verifying twice changes nothing."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.national_code or not locked.first_name or not locked.last_name:
            raise ValidationError(
                _("Name and national code are needed before verification."),
                code="identity_incomplete",
            )
        if locked.identity_verified_at is None:
            locked.identity_verified_at = timezone.now()
            locked.save(update_fields=["identity_verified_at"])
            audit_record(
                actor=actor,
                action="user.identity_verified",
                target=locked,
                changes={"identity_verified_at": (None, locked.identity_verified_at.isoformat())},
            )
    return locked


def user_insurer_role_set(*, user: User, role: str, actor: Any) -> User:
    """Give an insurer employee a role (operator, branch manager, marketing, admin), or
    take it away with ``""``."""
    if role not in User.InsurerRole.values:
        raise ValidationError({"insurer_role": _("Unknown insurer role.")})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.insurer_role
        if old != role:
            locked.insurer_role = role
            locked.save(update_fields=["insurer_role"])
            audit_record(
                actor=actor,
                action="user.insurer_role",
                target=locked,
                changes={"insurer_role": (old, role)},
            )
    return locked
