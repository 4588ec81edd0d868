"""The CRM's rows live in the agency's schema: every service checks that the connection is
in the schema of the agency it was given, so a write can never land in another agency."""

from __future__ import annotations

from typing import Any

from django.db import connection


class WrongSchemaError(RuntimeError):
    """A CRM service ran while the connection was in another schema than its agency's."""


def schema_require(agency: Any) -> None:
    """Refuse to go on unless the connection is inside ``agency``'s schema."""
    current = getattr(connection, "schema_name", None)
    if not agency.schema_name or current != agency.schema_name:
        raise WrongSchemaError(
            f"CRM work for {agency.schema_name!r} while the connection is in {current!r}"
        )
