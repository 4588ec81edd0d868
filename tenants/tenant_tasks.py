"""Celery work inside an agency's schema (decision 024).

A tenant task takes the agency's schema name as its first argument, explicitly, and runs
inside that schema: the broker, the logs and the task's own idempotency keys all show which
agency the work is for, and nothing depends on the schema the caller's connection happened to
be in when the message was sent (an ``on_commit`` callback may run after a view has already
gone back to the public schema). A schema that is not an agency's, or an agency that is gone,
makes the task a no-op (logged), never a run in the wrong schema.

Periodic work over all agencies is one beat entry whose task calls :func:`tenant_fan_out`:
one message per agency, staggered over a window, each task idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from celery import shared_task
from django.db import connection

from tenants.models import Agency

logger = logging.getLogger(__name__)

# Agencies whose schemas periodic work visits: an agency that cannot act (suspended, pending)
# keeps its data, and reminders for its customers still matter to the insurer, but sending on
# its behalf does not — each task decides; the fan-out visits every agency with a schema.
FAN_OUT_BATCH = 500


def _agency_for(schema_name: str) -> Agency | None:
    if not schema_name or schema_name == "public":
        return None
    return Agency.objects.filter(schema_name=schema_name).first()


def tenant_task(*task_args: Any, **task_options: Any) -> Any:
    """Decorate ``func(schema_name, *args, **kwargs)`` as a Celery task run in that schema.

    Usable bare (``@tenant_task``) or with Celery's options
    (``@tenant_task(acks_late=True, time_limit=600)``). Inside, ``connection`` is in the
    agency's schema and the agency is ``connection.tenant``; afterwards the caller's schema is
    restored (eager runs in tests and nested calls stay where they were).
    """

    def decorate(func: Callable[..., Any]) -> Any:
        @wraps(func)
        def run(schema_name: str, *args: Any, **kwargs: Any) -> Any:
            previous = getattr(connection, "tenant", None)
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            agency = _agency_for(schema_name)
            if agency is None:
                logger.warning(
                    "%s: no agency has schema %r; nothing done", func.__name__, schema_name
                )
                _restore(previous)
                return None
            connection.set_tenant(agency)  # type: ignore[attr-defined]
            try:
                return func(schema_name, *args, **kwargs)
            finally:
                _restore(previous)

        options = {"acks_late": True, **task_options}
        return shared_task(**options)(run)

    if task_args and callable(task_args[0]) and len(task_args) == 1 and not task_options:
        return decorate(task_args[0])
    return decorate


def _restore(previous: Any) -> None:
    if previous is not None and getattr(previous, "schema_name", "public") != "public":
        connection.set_tenant(previous)  # type: ignore[attr-defined]
    else:
        connection.set_schema_to_public()  # type: ignore[attr-defined]


def agency_schemas(*, statuses: Iterable[str] | None = None) -> Iterable[str]:
    """Schema names of the agencies (every status unless ``statuses`` is given), in code
    order, read in batches so that thousands of agencies cost no memory."""
    queryset = Agency.objects.exclude(schema_name="public")
    if statuses is not None:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset.order_by("code").values_list("schema_name", flat=True).iterator(FAN_OUT_BATCH)


def tenant_fan_out(
    task: Any,
    *args: Any,
    window_seconds: float = 0,
    statuses: Iterable[str] | None = (Agency.Status.ACTIVE,),
    **kwargs: Any,
) -> int:
    """Send ``task(schema_name, *args, **kwargs)`` once per agency; returns how many.

    With ``window_seconds``, the messages are spread evenly over that window (``countdown``)
    so that thousands of agencies do not all start at the same second. Each task must be
    idempotent: a beat entry may fire twice and a worker may run a message twice.
    """
    schemas = list(agency_schemas(statuses=statuses))
    count = len(schemas)
    for index, schema_name in enumerate(schemas):
        countdown = window_seconds * index / count if window_seconds and count else 0
        task.apply_async(args=(schema_name, *args), kwargs=kwargs, countdown=countdown)
    return count
