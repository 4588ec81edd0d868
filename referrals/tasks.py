"""Celery tasks of referrals: thin and safe to run twice (every step re-checks under a lock)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def referral_start(order_id: int) -> bool:
    """Start referring a paid main-site order (its first wave)."""
    from referrals.services import referral_start as start

    return start(order_id=order_id) is not None


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def referral_advance(referral_id: int) -> bool:
    """Move one referral on if its time has come (a decline emptied its wave)."""
    from referrals.services import referral_advance as advance

    return advance(referral_id=referral_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def referrals_start_missed() -> int:
    """Start the referrals of paid orders whose start never reached a worker (beat)."""
    from referrals.services import referrals_start_missed as start_missed

    return start_missed()


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def referrals_sweep() -> int:
    """Move on every referral whose wave has run out (beat, every few seconds)."""
    from referrals.services import referrals_sweep as sweep

    return sweep()


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def agency_offers_withdraw(agency_id: int) -> int:
    """Withdraw the waiting offers of an agency that was suspended or set pending."""
    from referrals.services import agency_offers_withdraw as withdraw

    return withdraw(agency_id=agency_id)
