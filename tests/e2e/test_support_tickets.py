"""Support tickets in a real browser (decision 051): a customer writes to the insurer on the
main site, an operator answers on the ops host, and the customer reads the answer (and got
the SMS); another ticket, left past its due time, is escalated by the beat task and shows
so in the late queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import SmsMessage
from support.models import Ticket
from support.services import Party, ticket_open
from support.tasks import support_tickets_sweep
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_control import _ops_tab
from tests.factories import create_user
from tests.support.conftest import category_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _main_tab(browser, user, port: int, path: str):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": "localhost",
                "path": "/",
            }
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"http://localhost:{port}{path}")
    return tab


def test_a_ticket_is_answered_on_ops_and_another_is_escalated_when_late(
    browser, site_port, drop_schemas_after, tmp_path
):
    payments = category_of("payments")
    manager = create_user(first_name="مدیر", last_name="شعبه", insurer_role="branch_manager")
    payments.manager = manager
    payments.save()
    customer = create_user(first_name="مریم", last_name="کاظمی")
    operator = create_user(first_name="علی", last_name="اپراتور", insurer_role="operator")
    found: dict[str, list[dict]] = {}

    # The customer writes from the main site.
    mine = _main_tab(browser, customer, site_port, "/support/new/")
    mine.select_option("#id_category", str(payments.pk))
    mine.fill("#id_subject", "پرداخت دوبار كسر شد")
    mine.fill("#id_body", "مبلغ حق بیمه دو بار از حسابم کم شد.")
    check_current(mine, found)
    mine.click("#ticket-form button[type=submit]")
    mine.wait_for_selector("#ticket-thread")
    ticket = Ticket.objects.get()
    assert ticket.subject == "پرداخت دوبار کسر شد" and ticket.state == "new"
    assert mine.get_attribute("#ticket-state", "data-state") == "new"

    # The operator answers it from the queue on the ops host.
    ops = _ops_tab(browser, operator, site_port)
    ops.click("#nav-ops-support")
    ops.wait_for_selector("#ticket-queue")
    assert "پرداخت دوبار کسر شد" in ops.inner_text("#ticket-queue")
    check_current(ops, found)
    ops.click(f'#ticket-queue tr[data-ticket="{ticket.pk}"] a')
    ops.wait_for_selector("#answer-form")
    ops.fill("#note-form textarea", "با بانک هماهنگ شد")
    ops.click("#note-form button[type=submit]")
    ops.wait_for_selector(".alert-success")
    ops.fill("#answer-form textarea", "مبلغ اضافه تا سه روز کاری برمی‌گردد.")
    ops.click("#answer-form button[type=submit]")
    ops.wait_for_selector(".alert-success")
    assert ops.get_attribute("#ticket-state", "data-state") == "answered"
    check_current(ops, found)

    sms = SmsMessage.objects.get(kind="support_answer")
    assert sms.to == customer.mobile and "پاسخ داد" in sms.body

    mine.reload()
    mine.wait_for_selector("#ticket-thread")
    thread = mine.inner_text("#ticket-thread")
    assert "مبلغ اضافه تا سه روز کاری برمی‌گردد." in thread
    assert "با بانک هماهنگ شد" not in mine.content()
    assert mine.get_attribute("#ticket-state", "data-state") == "answered"
    mine.goto(f"http://localhost:{site_port}/account/")
    assert "پرداخت دوبار کسر شد" in mine.inner_text("#my-tickets")
    check_current(mine, found)

    # Another ticket is left past its due time; the beat task escalates it (once).
    late = ticket_open(
        party=Party.customer(customer), category=payments, subject="رسید نیامد", body="رسید؟"
    )
    Ticket.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3),
        due_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert support_tickets_sweep()["escalated"] == 1
    assert support_tickets_sweep()["escalated"] == 0
    assert SmsMessage.objects.get(kind="support_escalation").to == manager.mobile

    boss = _ops_tab(browser, manager, site_port)
    boss.goto(f"http://ops.localhost:{site_port}/support/?late=on&mine=on")
    row = boss.wait_for_selector(f'#ticket-queue tr[data-ticket="{late.pk}"]')
    assert row.get_attribute("data-escalated") == "1"
    assert "ارجاع به مدیر" in row.inner_text()
    assert boss.locator("#ticket-queue tr[data-ticket]").count() == 1
    check_current(boss, found)
    boss.screenshot(path=str(tmp_path / "late-queue.png"), full_page=True)
    assert_clean(found)
