"""The agency's token for its telephony system (caller lookup over HTTP). Only the token's
SHA-256 is kept (``CrmSettings.telephony_token_hash``); the token itself is shown once, when
it is made. It starts with the agency's code, so a request finds its agency's schema without
searching every schema; the secret after it is what proves it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import connection
from django.utils import timezone

from crm.models import CrmSettings
from crm.services.base import agency_write, audit_record
from tenants.models import Agency


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def telephony_token_rotate(*, agency: Any, actor: Any) -> str:
    """Make a new token (the old one stops working at once) and return it: the only time
    it is ever readable."""
    token = f"{agency.code}.{secrets.token_urlsafe(32)}"
    with agency_write(agency):
        settings = CrmSettings.objects.select_for_update().get(pk=1)
        had = bool(settings.telephony_token_hash)
        settings.telephony_token_hash = _digest(token)
        settings.telephony_token_set_at = timezone.now()
        settings.save(
            update_fields=["telephony_token_hash", "telephony_token_set_at", "updated_at"]
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="crm_settings.telephony_token_rotated"
            if had
            else "crm_settings.telephony_token_created",
            target=settings,
        )
    return token


def telephony_token_revoke(*, agency: Any, actor: Any) -> None:
    """No token works any more until a new one is made."""
    with agency_write(agency):
        settings = CrmSettings.objects.select_for_update().get(pk=1)
        if not settings.telephony_token_hash:
            return
        settings.telephony_token_hash = ""
        settings.telephony_token_set_at = None
        settings.save(
            update_fields=["telephony_token_hash", "telephony_token_set_at", "updated_at"]
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="crm_settings.telephony_token_revoked",
            target=settings,
        )


def telephony_agency(token: str) -> Agency | None:
    """The agency whose current token this is (whatever its status: the caller applies the
    suspension rule), or None. Leaves the connection in the public schema."""
    code, _dot, secret = (token or "").strip().partition(".")
    if not code.isdigit() or len(code) > 9 or not secret:
        return None
    agency = Agency.objects.filter(code=int(code)).first()
    if agency is None or not agency.schema_name:
        return None
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    try:
        stored = CrmSettings.objects.values_list("telephony_token_hash", flat=True).first()
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    if not stored or not hmac.compare_digest(stored, _digest(token.strip())):
        return None
    return agency
