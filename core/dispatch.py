"""Sending a signal after a commit, so that no receiver can fail the request that committed.

A signal that tells the apps above its sender what happened (``policies.signals.order_paid``,
``policy_issued``, ``tenants.signals.agency_status_changed``) is sent once the change is
committed: the customer's payment or policy already exists, and the response must say so. A
receiver that raises is logged (its name, the exception and what the signal was about) and the
other receivers still run; receivers only record or enqueue, and each app's beat sweep redoes
what a failed receiver left undone.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger(__name__)


def receiver_name(receiver: Any) -> str:
    """``referrals.receivers.refer_paid_order`` for a function; its repr for anything else."""
    module, qualname = (
        getattr(receiver, "__module__", None),
        getattr(receiver, "__qualname__", None),
    )
    return f"{module}.{qualname}" if module and qualname else repr(receiver)


def signal_send_robust(
    signal: Signal, *, name: str, sender: Any, about: dict[str, Any], **kwargs: Any
) -> list[tuple[Any, Any]]:
    """Send ``signal`` to every receiver and never raise; ``name`` and ``about`` (the ids the
    signal is about, e.g. ``{"policy_id": 7}``) go into the log line of a receiver that fails."""
    responses = signal.send_robust(sender=sender, **kwargs)
    for receiver, result in responses:
        if isinstance(result, Exception):
            described = ", ".join(f"{key}={value}" for key, value in about.items())
            logger.error(
                "Receiver %s of %s failed (%s): %r",
                receiver_name(receiver),
                name,
                described,
                result,
                exc_info=result,
                extra={"signal": name, "receiver": receiver_name(receiver), **about},
            )
    return responses
