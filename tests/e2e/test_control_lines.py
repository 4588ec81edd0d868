"""Line control in a real browser (S-1.5): a branch manager asks on the ops host to restrict a
line for an agency, another operator approves, and at once the line is gone from the agency's
site, its quote page is a Persian 404 and the API refuses it in Persian; the agency's owner is
texted and the history says who asked, who decided and when. Then the line is allowed again;
and a rejected request changes nothing."""

from __future__ import annotations

import pytest

from core.jalali import format_jalali_datetime
from core.models import SmsMessage
from policies.models import AgencyLine
from policies.services.catalog import catalog_load
from tenants.models import ControlRequest
from tests.e2e.test_control import _ops_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "09121234567"
TRAVEL = {"zone": "schengen", "duration": "31", "age": "40"}


@pytest.fixture
def people(drop_schemas_after):
    catalog_load()
    create_agency(code=685, name="نمایندگی خلیلی", owner_mobile=OWNER)
    manager = create_user(insurer_role="branch_manager", first_name="مهدی", last_name="شعبانی")
    operator = create_user(insurer_role="operator", first_name="زهرا", last_name="صادقی")
    return manager, operator


def _file(tab, port: int, *, kind: str, line: str, reason: str) -> ControlRequest:
    tab.goto(f"http://ops.localhost:{port}/control/")
    tab.fill("input[name=agency]", "۶۸۵")
    tab.select_option("select[name=kind]", kind)
    tab.select_option("select[name=line_code]", line)
    tab.fill("textarea[name=reason]", reason)
    tab.click("#control-submit")
    tab.wait_for_selector(".alert-success")
    item = ControlRequest.objects.latest("id")
    assert tab.get_attribute(f"#request-{item.pk}", "data-state") == "pending"
    assert tab.locator(f"#approve-{item.pk}").count() == 0  # a branch manager does not decide
    return item


def _decide(tab, port: int, item: ControlRequest, *, approve: bool, note: str = "") -> str:
    """Decide in the browser; the request's row of the history as the page then shows it."""
    tab.goto(f"http://ops.localhost:{port}/control/")
    row = f"#request-{item.pk}"
    if note:
        tab.fill(f"{row} input[name=note]", note)
    tab.click(f"#{'approve' if approve else 'reject'}-{item.pk}")
    tab.wait_for_selector(".alert-success")
    tab.wait_for_selector(f"{row}[data-state={'approved' if approve else 'rejected'}]")
    return tab.inner_text(row)


def _quote_api(page, port: int) -> dict:
    """POST /api/quotes/ for travel from a page of the agency's site (the browser resolves
    ``*.localhost``; Playwright's own HTTP client does not)."""
    site = f"http://ar685.localhost:{port}"
    if not page.url.startswith(site):
        page.goto(f"{site}/insurance/")
    return page.evaluate(
        """async (answers) => {
            const response = await fetch("/api/quotes/", {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({line: "travel", answers}),
            });
            return {status: response.status, body: await response.json()};
        }""",
        TRAVEL,
    )


def _lines_on_site(page, port: int) -> set[str]:
    page.goto(f"http://ar685.localhost:{port}/insurance/")
    page.wait_for_selector("#line-list .line-card")
    return set(
        page.eval_on_selector_all(
            "#line-list .line-card", "cards => cards.map(c => c.dataset.line)"
        )
    )


def test_a_line_is_restricted_on_request_and_allowed_again(
    browser, page, live_port, people, tmp_path
):
    manager, operator = people
    assert "travel" in _lines_on_site(page, live_port)

    asking = _ops_tab(browser, manager, live_port)
    item = _file(
        asking, live_port, kind="line_off", line="travel", reason="نمایندگی مجوز بیمه سفر ندارد"
    )
    deciding = _ops_tab(browser, operator, live_port)
    history = _decide(deciding, live_port, item, approve=True)
    item.refresh_from_db()

    # The line is gone from the site at once; its quote page is a Persian 404.
    lines = _lines_on_site(page, live_port)
    assert "travel" not in lines and "third_party" in lines
    response = page.goto(f"http://ar685.localhost:{live_port}/insurance/travel/")
    assert response.status == 404
    assert page.inner_text("#not-found h1") == "صفحه یافت نشد"
    assert page.get_attribute("html", "dir") == "rtl"
    # The API refuses it with a Persian message.
    refused = _quote_api(page, live_port)
    not_sold = "این بیمه در این سایت فروخته نمی‌شود."
    assert refused == {
        "status": 422,
        "body": {"detail": not_sold, "code": "invalid", "fields": {"line": [not_sold]}},
    }
    assert AgencyLine.objects.get(agency__code=685, line__code="travel").allowed is False

    # The owner was texted.
    sms = SmsMessage.objects.get(kind="site_control")
    assert sms.to == OWNER
    assert "بیمه مسافرتی" in sms.body and "مجوز بیمه سفر ندارد" in sms.body

    # The history: who asked, who decided, and when (Jalali, Tehran time).
    assert "مهدی شعبانی" in history and "زهرا صادقی" in history
    assert format_jalali_datetime(item.requested_at) in history
    assert format_jalali_datetime(item.decided_at) in history
    deciding.screenshot(path=str(tmp_path / "control-lines.png"), full_page=True)

    # Allowed again: the line is back on the site and on its API.
    again = _file(asking, live_port, kind="line_on", line="travel", reason="مجوز بیمه سفر صادر شد")
    _decide(deciding, live_port, again, approve=True)
    assert "travel" in _lines_on_site(page, live_port)
    assert page.goto(f"http://ar685.localhost:{live_port}/insurance/travel/").status == 200
    priced = _quote_api(page, live_port)
    assert priced["status"] == 201 and priced["body"]["line"] == "travel"
    texts = list(
        SmsMessage.objects.filter(kind="site_control").order_by("id").values_list("to", flat=True)
    )
    assert texts == [OWNER, OWNER]


def test_a_rejected_line_request_changes_nothing_and_keeps_the_note(
    browser, page, live_port, people
):
    manager, operator = people
    asking = _ops_tab(browser, manager, live_port)
    item = _file(
        asking, live_port, kind="line_off", line="fire", reason="شکایت مشتریان از فروش آتش‌سوزی"
    )
    deciding = _ops_tab(browser, operator, live_port)
    history = _decide(deciding, live_port, item, approve=False, note="شکایت‌ها بررسی و رد شد")

    assert "شکایت‌ها بررسی و رد شد" in history and "زهرا صادقی" in history
    item.refresh_from_db()
    assert (item.state, item.decided_by) == ("rejected", operator)
    assert format_jalali_datetime(item.decided_at) in history
    assert "fire" in _lines_on_site(page, live_port)
    assert not AgencyLine.objects.filter(agency__code=685, line__code="fire").exists()
    assert not SmsMessage.objects.filter(kind="site_control").exists()
