"""Settlement in a real browser: an operator builds a day's batches, exports them with the
progress bar, downloads the file, imports the core system's answer and sees the difference."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import storages

from settlement.models import SettlementConfirmation, SettlementExport
from settlement.sandbox_core import core_confirmation
from tests.e2e.test_control import _ops_tab
from tests.factories import create_agency, create_user
from tests.settlement.sales import sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    yield
    storages._storages.pop("private", None)


def test_an_operator_takes_a_day_to_the_core_system_and_sees_the_difference(
    browser, live_port, drop_schemas_after, private_files, tmp_path, line, tariff, customer
):
    agency = create_agency(code=685, name="نمایندگی خلیلی")
    for premium in ("10000000", "2500000"):
        sale(line=line, tariff=tariff, customer=customer, agency=agency, premium=premium)
    operator = create_user(insurer_role="operator")

    tab = _ops_tab(browser, operator, live_port)
    tab.goto(f"http://ops.localhost:{live_port}/settlement/?day=1405/09/09")  # the sales' day
    tab.click("#build-batches")
    tab.wait_for_selector(".alert-success")
    assert tab.get_attribute("#batches tbody tr", "data-state") == "open"

    tab.click("#export-day")
    tab.wait_for_selector("#download-csv")
    assert tab.get_attribute("#export-progress", "data-state") == "done"
    assert tab.get_attribute("#export-progress .progress", "aria-valuenow") == "100"
    bar = tab.locator("#export-progress .progress-bar")
    assert bar.evaluate("(element) => element.style.width") == "100%"
    with tab.expect_download() as download:
        tab.click("#download-csv")
    settlement_file = Path(download.value.path()).read_bytes().decode()
    export = SettlementExport.objects.get()
    assert settlement_file.startswith("record_type,export_number,")
    assert settlement_file.endswith(f"T,{export.number},1405/09/09,1,2,12500000,1250000\r\n")

    answer = tmp_path / "core.csv"
    answer.write_bytes(core_confirmation(settlement_file, book_instead={1: 2400000}).encode())
    tab.set_input_files("#confirmation-form input[type=file]", str(answer))
    tab.click("#confirmation-submit")
    tab.wait_for_selector("#confirmation-result")
    assert tab.locator("#mismatches tr[data-kind=amount]").count() == 1
    assert tab.locator("#mismatches tr[data-kind]").count() == 1
    confirmation = SettlementConfirmation.objects.get()
    assert (confirmation.state, confirmation.differs_count) == ("applied", 1)
    tab.screenshot(path=str(tmp_path / "settlement.png"), full_page=True)
