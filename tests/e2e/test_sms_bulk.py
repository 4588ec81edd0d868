"""An owner sends a bulk SMS to an uploaded list in a real browser: the preview lists the
invalid row in Persian and the cost, the send goes out through the development provider and
the progress bar fills while HTMX polls; the pages have no CSP or accessibility violations."""

from __future__ import annotations

import pytest

from core.models import SmsMessage
from core.sms.credit import credit_top_up
from messaging.bulk.models import BulkSend
from tests.crm.conftest import inside, owner_of
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_sends_to_an_uploaded_list_and_watches_the_progress(
    browser, site_port, drop_schemas_after, tmp_path
):
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    credit_top_up(agency_id=agency.pk, amount=1_000_000)
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("موبایل\n۰۹۱۲ ۱۲۳ ۴۵۶۷\n+989121234568\n12345\n09121234567\n", "utf-8")
    panel = _panel_tab(browser, owner_of(agency), site_port, path="/sms/bulk/")
    found: dict[str, list[dict]] = {}
    check_current(panel, found)
    panel.click("#bulk-new")
    panel.wait_for_selector("#bulk-form")
    check_current(panel, found)
    panel.fill("#id_name", "اطلاع‌رسانی")
    panel.fill("#id_body", "ساعت کاری نمایندگی تغییر کرد")
    panel.select_option("#id_line", "service")  # any hour: the test may run at night
    panel.set_input_files("#id_upload", str(numbers))
    panel.click("#bulk-save")
    panel.wait_for_selector("#bulk-preview")
    check_current(panel, found)
    assert panel.inner_text("#preview-recipients") == "۲"
    assert "ردیف ۴: «۱۲۳۴۵» شماره موبایل نیست." in panel.inner_text("#bulk-skips")
    assert "ردیف ۵: این شماره پیش‌تر در فهرست آمده است." in panel.inner_text("#bulk-skips")
    assert panel.inner_text("#preview-cost") == "۲٬۴۰۰"
    panel.click("#bulk-send")
    panel.wait_for_selector("#bulk-progress")
    panel.wait_for_function(
        "() => !document.querySelector('#bulk-progress').hasAttribute('hx-get')",
        timeout=30_000,
    )
    check_current(panel, found)
    assert panel.inner_text("#count-queued") == "۰"
    assert panel.get_attribute("#bulk-progress progress", "value") == "100"
    with inside(agency):
        bulk = BulkSend.objects.get()
    assert bulk.state == BulkSend.State.DONE
    assert sorted(SmsMessage.objects.filter(source=bulk.source).values_list("to", flat=True)) == [
        "09121234567",
        "09121234568",
    ]
    assert_clean(found)
