"""SMS: one gateway interface, providers, the outbox drained in batches and the credit ledger.

Names are loaded on first use so that ``core.models`` may import ``core.sms.parts``."""

from __future__ import annotations

from typing import Any

__all__ = ["PermanentSmsError", "SmsBackend", "TransientSmsError", "get_backend", "sms_queue"]


def __getattr__(name: str) -> Any:
    if name == "sms_queue":
        from core.sms.services import sms_queue

        return sms_queue
    if name in {"PermanentSmsError", "SmsBackend", "TransientSmsError", "get_backend"}:
        from core.sms import base

        return getattr(base, name)
    raise AttributeError(name)
