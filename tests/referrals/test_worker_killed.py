"""A worker killed in the middle of a wave neither loses nor doubles it (issue 4, point 4):
the wave is one transaction, so the kill leaves nothing; the sweeper then does it once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from core.models import SmsMessage
from policies.models import Order
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import referral_start, referrals_sweep
from referrals.tasks import referral_advance
from tests.core.test_worker import broker_forget, worker_env
from tests.referrals.conftest import CENTRE, place
from tests.waiting import eventually

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, marker: Path, log_path: Path) -> subprocess.Popen:
    env = worker_env(queue, KILLPOINT_MARKER=str(marker))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        + ["--pool", "solo", "-l", "info", "--without-mingle", "--without-gossip"]
        + ["--include", "tests.referrals.killpoint"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _lock_released(referral_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
            "AND a.state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0] == 0


def test_a_worker_killed_mid_wave_leaves_no_trace_and_the_sweep_does_it_once(
    line, tariff, customer, drop_schemas_after, tmp_path, settings_row
):
    from tests.policies.fixtures_sales import make_order

    agencies = [place(km_east=km) for km in (1, 2, 3, 4)]  # K=2: two waves' worth
    order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
    order.latitude, order.longitude = CENTRE
    order.save()
    referral = referral_start(order_id=order.pk)
    assert referral.wave == 1 and referral.offers.count() == 2
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - dt.timedelta(seconds=1))

    queue = f"test-{uuid.uuid4().hex[:12]}"
    marker, log_path = tmp_path / "inside", tmp_path / "worker.log"
    worker = _start_worker(queue, marker, log_path)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        referral_advance.delay(referral.pk)
        assert eventually(marker.exists, timeout=60), log_path.read_text()[-3000:]
        # The worker is inside the wave's transaction: wave 2's offers are written, not committed.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        broker_forget(queue)

    assert eventually(lambda: _lock_released(referral.pk), timeout=30)
    referral.refresh_from_db()
    assert referral.wave == 1  # nothing of the half-done wave survived
    assert Offer.objects.filter(referral=referral, wave=2).count() == 0
    assert set(referral.offers.values_list("state", flat=True)) == {"waiting"}
    assert SmsMessage.objects.filter(kind="referral_offer").count() == 2

    # After the restart, beat's sweep finds the wave still due and does it, once.
    assert referrals_sweep() == 1
    assert referrals_sweep() == 0
    referral.refresh_from_db()
    assert referral.wave == 2
    assert sorted(referral.offers.filter(wave=2).values_list("agency_id", flat=True)) == sorted(
        a.pk for a in agencies[2:]
    )
    assert ReferralEvent.objects.filter(referral=referral, kind="wave", wave=2).count() == 1
    assert SmsMessage.objects.filter(kind="referral_offer").count() == 4
    # The killed task's message comes back some day (acks_late): running it then is harmless.
    assert referral_advance.apply(args=(referral.pk,)).get() is False
    assert ReferralEvent.objects.filter(referral=referral, kind="wave").count() == 2
