"""What every CRM service does first: the right schema, one transaction, an active agency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from core import audit as core_audit
from crm.tenancy import schema_require
from tenants.services import agency_require_active

# The audit log's name for the CRM when no person acted (core.labels.ACTORS).
SYSTEM_ACTOR = "crm"


@contextmanager
def agency_write(agency: Any) -> Iterator[None]:
    """One transaction in ``agency``'s schema, refused (``AgencyNotActive``) unless the
    agency is active; the status stays locked ``FOR SHARE`` until it commits."""
    schema_require(agency)
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        yield


def actor_id(actor: Any) -> int | None:
    """The acting person's public account id, or None for the system."""
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def audit_record(
    *,
    agency: Any,
    actor: Any,
    action: str,
    target: models.Model,
    changes: dict[str, tuple[Any, Any]] | None = None,
    actor_label: str = "",
) -> None:
    """``actor_label`` names the part of the system that acted when no person did (a
    ``core.labels.ACTORS`` key, e.g. ``sms_reply``); the CRM's own by default."""
    core_audit.audit_record(
        actor=actor,
        action=action,
        target=target,
        changes=changes,
        agency_id=agency.pk,
        actor_label="" if actor_id(actor) else (actor_label or SYSTEM_ACTOR),
    )


def normalized(model: type[models.Model], field: str, value: Any) -> Any:
    """``value`` as ``model.field`` will store it (core.text), so that comparisons and audit
    rows see what is really kept."""
    normalize = getattr(model._meta.get_field(field), "normalize", None)
    return normalize(value) if normalize and isinstance(value, str) else value
