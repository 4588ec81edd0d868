"""A worker killed in the middle of an export (issue 5, point 8): running it again gives the
same file, and no item is in two batches."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db.models import Count
from django.utils import timezone

from config.celery import app
from settlement.models import SettlementBatch, SettlementExport, SettlementItem
from settlement.services.batches import settlement_batches_build
from settlement.services.exports import (
    export_file_names,
    settlement_export_create,
    settlement_export_repeat,
)
from settlement.tasks import settlement_export_render, settlement_work_resume
from tests.core.test_worker import broker_forget, worker_env
from tests.factories import create_user
from tests.settlement.sales import DAY, sale
from tests.settlement.test_exports import expected_csv
from tests.waiting import eventually

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, marker: Path, log_path: Path, private: Path) -> subprocess.Popen:
    env = worker_env(
        queue,
        KILLPOINT_MARKER=str(marker),
        SETTLEMENT_EXPORT_CHUNK="2",
        PRIVATE_MEDIA_ROOT=str(private),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        + ["--pool", "solo", "-l", "info", "--without-mingle", "--without-gossip"]
        + ["--include", "tests.settlement.killpoint"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_a_worker_killed_mid_export_leaves_it_to_be_written_again_the_same(
    line, tariff, customer, agency, other_agency, drop_schemas_after, tmp_path, private_files
):
    for n in range(9):
        seller = (agency, other_agency, None)[n % 3]
        sale(line=line, tariff=tariff, customer=customer, agency=seller, premium=f"{n + 1}000000")
    settlement_batches_build(day=DAY)
    operator = create_user(insurer_role="operator")
    app.conf.task_always_eager = False  # the export's own task must reach the worker only
    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    marker, log_path = tmp_path / "inside", tmp_path / "worker.log"
    worker = _start_worker(queue, marker, log_path, private_files)
    try:
        export = settlement_export_create(day=DAY, actor=operator)  # queued on commit
        assert eventually(marker.exists, timeout=60), log_path.read_text()[-3000:]
        # Two of nine items are written to the .part file when the worker dies.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = True, previous
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        broker_forget(queue)

    export.refresh_from_db()
    assert (export.state, export.rows_written, export.attempt) == ("running", 2, 1)
    assert export.csv_file == "" and export.csv_sha256 == ""
    csv_name, _xlsx_name = export_file_names(export)
    final = Path(storages["private"].path(csv_name))
    assert not final.exists()
    assert list(final.parent.glob("*.part"))  # the half-written file of the dead attempt

    # The resume sweep leaves a live writer alone; once its signs of life are old, it queues
    # the export again and the file is written from the start.
    assert settlement_work_resume.apply().get() == 0
    SettlementExport.objects.filter(pk=export.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert settlement_work_resume.apply().get() == 1
    export.refresh_from_db()
    assert (export.state, export.attempt, export.render_count) == ("done", 2, 1)
    assert final.read_bytes().decode() == expected_csv(export)
    assert not list(final.parent.glob("*.part"))

    # No item in two batches, no batch in two exports, nothing new created.
    assert SettlementItem.objects.count() == 9
    assert not SettlementItem.objects.values("payment").annotate(n=Count("id")).filter(n__gt=1)
    assert SettlementBatch.objects.count() == 3
    assert set(SettlementBatch.objects.values_list("export", flat=True)) == {export.pk}
    assert SettlementExport.objects.count() == 1

    # The killed task's message comes back some day (acks_late): it finds the file written.
    assert settlement_export_render.apply(args=(export.pk,)).get() is False
    first = final.read_bytes()
    settlement_export_repeat(export=export, actor=operator)
    export.refresh_from_db()
    assert export.state == "done" and export.render_count == 2
    assert final.read_bytes() == first
