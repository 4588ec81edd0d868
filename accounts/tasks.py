"""Celery tasks of accounts: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from accounts.services import otp_purge


@shared_task(acks_late=True, time_limit=300)
def otp_purge_old() -> int:
    """Delete one-time codes older than a day (run daily by beat); running twice is harmless."""
    return otp_purge()
