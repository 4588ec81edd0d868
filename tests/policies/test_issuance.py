"""Selling end to end (S-2.5, S-5.1, §9): issuing in the agency panel and in the virtual
branch, refusals that change nothing, agency isolation, the sales record, and gapless
policy numbers under concurrent issuance."""

from __future__ import annotations

import datetime as dt
import re
import sys
import threading
import types
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import User
from core.jalali import format_jalali_date, tehran, to_jalali
from core.models import AuditLog, SmsMessage
from policies.models import Order, Policy, PolicySequence, SalesEvent
from policies.selectors_issuance import issuance_queue, sales_events
from policies.services.issuance import order_reject, policy_issue
from tests.factories import create_user
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
OPS = "ops.localhost"
State = Order.State


def shown(text: str) -> str:
    """``text`` as a Persian page shows it (translated once the catalogue has it)."""
    with translation.override("fa"):
        return escape(translation.gettext(text))


def _today() -> dt.date:
    return timezone.localdate(timezone=tehran())


def _year() -> int:
    return to_jalali(_today()).year


@contextmanager
def pdf_task_spy():
    """``policies.tasks.policy_pdf_render.delay``, replaced by a mock (a stand-in module
    while the PDF task is not written yet)."""
    try:
        import policies.tasks as tasks
    except ModuleNotFoundError as error:
        if error.name != "policies.tasks":
            raise
        stand_in = types.ModuleType("policies.tasks")
        stand_in.policy_pdf_render = mock.Mock()  # type: ignore[attr-defined]
        with mock.patch.dict(sys.modules, {"policies.tasks": stand_in}):
            yield stand_in.policy_pdf_render.delay
        return
    with mock.patch.object(tasks.policy_pdf_render, "delay") as delay:
        yield delay


def snapshot(order: Order) -> tuple:
    """What issuing or rejecting would change."""
    row = Order.objects.get(pk=order.pk)
    return (
        row.state,
        row.refund_due,
        row.rejection_reason,
        Policy.objects.count(),
        SalesEvent.objects.count(),
        AuditLog.objects.count(),
        SmsMessage.objects.count(),
        list(PolicySequence.objects.values_list("last", flat=True)),
    )


@pytest.fixture
def issuing_agency(agency_factory):
    return agency_factory(code=701, name="نمایندگی صادرکننده", can_issue=True)


@pytest.fixture
def plain_agency(agency_factory):
    return agency_factory(code=702, name="نمایندگی بدون صدور", can_issue=False)


def owner_of(agency) -> User:
    return agency.memberships.get().user


# --- the agency panel ---------------------------------------------------------------


def test_an_agency_with_issuing_rights_issues_from_its_panel(
    client, issuing_agency, motor_line, motor_tariff, buyer, django_capture_on_commit_callbacks
):
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency)
    owner = owner_of(issuing_agency)
    client.force_login(owner)

    page = client.get(f"/sales/{order.public_id}/", HTTP_HOST=PANEL)
    assert page.status_code == 200
    assert 'id="issue-form"' in page.content.decode()
    assert 'id="reject-form"' in page.content.decode()

    start = _today() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/sales/{order.public_id}/issue/",
            {"start_date": format_jalali_date(start)},  # Persian digits, as typed
            HTTP_HOST=PANEL,
            HTTP_USER_AGENT="panel-test",
        )
    assert response.status_code == 302
    assert response["Location"] == f"/sales/{order.public_id}/"

    policy = Policy.objects.get(order=order)
    assert policy.number == f"{_year()}-01-000001"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{6}", policy.number)
    assert (policy.sequence, policy.jalali_year) == (1, _year())
    assert (policy.start_date, policy.end_date) == (start, start + dt.timedelta(days=365))
    assert (policy.agency_id, policy.issued_by, policy.issued_by_virtual_branch) == (
        issuing_agency.pk,
        owner,
        False,
    )
    assert policy.premium == order.premium
    order.refresh_from_db()
    assert order.state == State.ISSUED and order.closed_at is not None

    audit = AuditLog.objects.get(action="policy.issued")
    assert (audit.actor, audit.target_id, audit.agency_id) == (
        owner,
        str(policy.pk),
        issuing_agency.pk,
    )
    assert audit.changes == {"number": [None, policy.number]}
    assert AuditLog.objects.filter(action="order.issued", target_id=str(order.pk)).count() == 1
    event = SalesEvent.objects.get(event="policy_issued")
    assert (event.order, event.agency, event.actor) == (order, issuing_agency, owner)
    assert (event.ip_address, event.user_agent) == ("127.0.0.1", "panel-test")
    assert event.data == {
        "from": "paid",
        "to": "issued",
        "policy": policy.number,
        "by": "agency",
    }

    # The PDF is rendered only once the issuance has committed.
    assert len(callbacks) == 1
    with pdf_task_spy() as delay:
        callbacks[0]()
    delay.assert_called_once_with(policy.pk)

    # The page now shows the policy and no buttons.
    page = client.get(f"/sales/{order.public_id}/", HTTP_HOST=PANEL).content.decode()
    assert 'id="issue-form"' not in page
    assert "000001" in page.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))


def test_panel_numbers_follow_on_and_a_past_start_date_is_refused(
    client, issuing_agency, motor_line, motor_tariff, buyer
):
    first = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency)
    second = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency)
    client.force_login(owner_of(issuing_agency))
    client.post(f"/sales/{first.public_id}/issue/", {}, HTTP_HOST=PANEL)
    assert Policy.objects.get(order=first).start_date == _today()

    before = snapshot(second)
    yesterday = format_jalali_date(_today() - dt.timedelta(days=1))
    response = client.post(
        f"/sales/{second.public_id}/issue/", {"start_date": yesterday}, HTTP_HOST=PANEL
    )
    assert response.status_code == 400
    assert shown("The policy cannot start in the past.") in response.content.decode()
    assert snapshot(second) == before

    client.post(f"/sales/{second.public_id}/issue/", {}, HTTP_HOST=PANEL)
    assert Policy.objects.get(order=second).number == f"{_year()}-01-000002"


def test_an_agency_without_issuing_rights_sees_no_buttons_and_cannot_act(
    client, plain_agency, motor_line, motor_tariff, buyer
):
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=plain_agency)
    client.force_login(owner_of(plain_agency))

    page = client.get(f"/sales/{order.public_id}/", HTTP_HOST=PANEL)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="issued-by-vb"' in body
    assert 'id="issue-form"' not in body and 'id="reject-form"' not in body

    before = snapshot(order)
    issue = client.post(f"/sales/{order.public_id}/issue/", {}, HTTP_HOST=PANEL)
    reject = client.post(
        f"/sales/{order.public_id}/reject/", {"reason": "مدارک ناقص است"}, HTTP_HOST=PANEL
    )
    assert (issue.status_code, reject.status_code) == (404, 404)
    assert snapshot(order) == before
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied):
        policy_issue(order=order, actor=owner_of(plain_agency))
    assert snapshot(order) == before


def test_the_sales_list_shows_the_agency_orders_by_state(
    client,
    issuing_agency,
    plain_agency,
    motor_line,
    motor_tariff,
    buyer,
    django_assert_max_num_queries,
):
    mine = [
        paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency)
        for _ in range(5)
    ]
    theirs = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=plain_agency)
    policy_issue(order=mine[0], actor=owner_of(issuing_agency))
    client.force_login(owner_of(issuing_agency))

    with django_assert_max_num_queries(12):
        page = client.get("/sales/", HTTP_HOST=PANEL)
    body = page.content.decode()
    assert page.status_code == 200
    assert all(f"/sales/{order.public_id}/" in body for order in mine)
    assert str(theirs.public_id) not in body

    paid_only = client.get("/sales/?state=paid", HTTP_HOST=PANEL).content.decode()
    assert str(mine[0].public_id) not in paid_only
    assert all(str(order.public_id) in paid_only for order in mine[1:])
    issued_only = client.get("/sales/?state=issued", HTTP_HOST=PANEL).content.decode()
    assert [str(o.public_id) in issued_only for o in mine] == [True, False, False, False, False]


def _panel_sales_routes():
    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted(
        route
        for route in walk(get_resolver("config.urls_panel").url_patterns)
        if route.startswith("sales/")
    )


def test_agency_b_cannot_see_or_act_on_agency_a_orders(
    client, settings, tmp_path, issuing_agency, agency_factory, motor_line, motor_tariff, buyer
):
    settings.MEDIA_ROOT = tmp_path
    agency_b = agency_factory(code=703, name="نمایندگی ب", can_issue=True)
    paid = paid_order(
        line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency, document=True
    )
    issued = paid_order(
        line=motor_line, tariff=motor_tariff, customer=buyer, agency=issuing_agency, document=True
    )
    policy = policy_issue(order=issued, actor=owner_of(issuing_agency))
    Policy.objects.filter(pk=policy.pk).update(pdf="policies/x.pdf")

    # Agency A's owner reaches them (the walk below is not 404 by accident).
    client.force_login(owner_of(issuing_agency))
    document = paid.documents.get()
    assert client.get(f"/sales/{paid.public_id}/", HTTP_HOST=PANEL).status_code == 200
    download = client.get(f"/sales/{paid.public_id}/documents/{document.pk}/", HTTP_HOST=PANEL)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test document"

    client.force_login(owner_of(agency_b))
    before = snapshot(paid)
    routes = _panel_sales_routes()
    assert len(routes) >= 6
    walked = 0
    for order in (paid, issued):
        for route in routes:
            if "<" not in route:
                continue
            path = "/" + route.replace("<uuid:order_id>", str(order.public_id)).replace(
                "<int:document_id>", str(order.documents.get().pk)
            )
            for method in (client.get, client.post):
                response = method(path, {"reason": "دلیل آزمایشی رد"}, HTTP_HOST=PANEL)
                assert response.status_code == 404, f"{method.__name__} {path}"
                walked += 1
    assert walked == 2 * 2 * sum("<" in route for route in routes)
    listing = client.get("/sales/", HTTP_HOST=PANEL).content.decode()
    assert str(paid.public_id) not in listing and issuing_agency.name not in listing
    assert snapshot(paid) == before


def test_the_panel_asks_anonymous_visitors_to_log_in(client, issuing_agency):
    response = client.get("/sales/", HTTP_HOST=PANEL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the virtual branch -------------------------------------------------------------


@pytest.fixture
def queue_orders(issuing_agency, plain_agency, motor_line, motor_tariff, buyer):
    """Paid orders of every kind, paid at known times, and some that are not in the queue."""
    now = timezone.now()

    def make(agency, hours_ago, **kw):
        return paid_order(
            line=motor_line,
            tariff=motor_tariff,
            customer=buyer,
            agency=agency,
            paid_at=now - dt.timedelta(hours=hours_ago),
            **kw,
        )

    main_new = make(None, 1)
    plain_old = make(plain_agency, 30)
    main_old = make(None, 5)
    own = make(issuing_agency, 50)  # the agency issues it itself
    not_paid = make(None, 60)
    Order.objects.filter(pk=not_paid.pk).update(state=State.AWAITING_PAYMENT)
    return {
        "queue": [plain_old, main_old, main_new],
        "own": own,
        "not_paid": not_paid,
    }


def test_the_queue_lists_what_the_virtual_branch_must_issue_oldest_first(
    client, operator, queue_orders, django_assert_max_num_queries
):
    assert list(issuance_queue()) == queue_orders["queue"]
    client.force_login(operator)
    with django_assert_max_num_queries(8):
        page = client.get("/issuance/", HTTP_HOST=OPS)
    body = page.content.decode()
    assert page.status_code == 200
    positions = [body.index(str(order.public_id)) for order in queue_orders["queue"]]
    assert positions == sorted(positions)
    assert str(queue_orders["own"].public_id) not in body
    assert str(queue_orders["not_paid"].public_id) not in body
    assert "نمایندگی بدون صدور" in body  # the agency column

    home = client.get("/", HTTP_HOST=OPS)
    assert home.status_code == 200
    assert 'href="/issuance/"' in home.content.decode()


def test_an_operator_issues_and_rejects_from_the_queue(
    client, operator, queue_orders, django_capture_on_commit_callbacks
):
    plain_old, main_old, _main_new = queue_orders["queue"]
    client.force_login(operator)
    page = client.get(f"/issuance/{plain_old.public_id}/", HTTP_HOST=OPS).content.decode()
    assert 'id="issue-form"' in page and 'id="reject-form"' in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/issuance/{plain_old.public_id}/issue/", {}, HTTP_HOST=OPS)
    assert response.status_code == 302
    policy = Policy.objects.get(order=plain_old)
    assert policy.number == f"{_year()}-01-000001"
    assert (policy.issued_by, policy.issued_by_virtual_branch) == (operator, True)
    assert policy.agency_id == plain_old.agency_id
    assert SalesEvent.objects.get(event="policy_issued").data["by"] == "virtual_branch"
    assert len(callbacks) == 1

    response = client.post(
        f"/issuance/{main_old.public_id}/reject/",
        {"reason": "  کارت خودرو   خوانا نیست "},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    main_old.refresh_from_db()
    assert (main_old.state, main_old.refund_due, main_old.rejection_reason) == (
        State.REJECTED,
        True,
        "کارت خودرو خوانا نیست",
    )
    sms = SmsMessage.objects.get(kind="order_rejected")
    assert sms.to == main_old.customer.mobile
    assert "کارت خودرو خوانا نیست" in sms.body
    event = SalesEvent.objects.get(event="order_rejected", order=main_old)
    assert (event.actor, event.data["refund_due"]) == (operator, True)
    assert AuditLog.objects.filter(action="order.rejected", actor=operator).count() == 1

    queue = client.get("/issuance/", HTTP_HOST=OPS).content.decode()
    assert str(main_old.public_id) not in queue and str(plain_old.public_id) not in queue
    rejected = client.get("/issuance/?state=rejected", HTTP_HOST=OPS).content.decode()
    assert str(main_old.public_id) in rejected
    assert shown("refund due") in rejected

    # The order page has its timeline and a printable version.
    page = client.get(f"/issuance/{main_old.public_id}/", HTTP_HOST=OPS).content.decode()
    assert shown("Order rejected") in page and "order_rejected" not in page
    printable = client.get(f"/issuance/{main_old.public_id}/print/", HTTP_HOST=OPS)
    assert printable.status_code == 200
    assert "@media print" in printable.content.decode()


def test_a_short_reason_is_refused_and_changes_nothing(client, operator, queue_orders):
    order = queue_orders["queue"][0]
    client.force_login(operator)
    before = snapshot(order)
    response = client.post(f"/issuance/{order.public_id}/reject/", {"reason": "نه"}, HTTP_HOST=OPS)
    assert response.status_code == 400
    assert snapshot(order) == before


def test_a_non_paid_order_cannot_be_issued(client, operator, queue_orders):
    order = queue_orders["not_paid"]
    client.force_login(operator)
    before = snapshot(order)
    response = client.post(f"/issuance/{order.public_id}/issue/", {}, HTTP_HOST=OPS)
    assert response.status_code == 400
    body = response.content.decode()
    errors = re.search(r'id="action-errors">(.*?)</div></div>', body, re.S)
    assert errors is not None and shown("Awaiting payment") in errors.group(1)
    assert snapshot(order) == before
    with pytest.raises(ValidationError):
        policy_issue(order=order, actor=operator)
    assert snapshot(order) == before
    # An issued order cannot be issued or rejected twice either.
    paid = queue_orders["queue"][0]
    policy_issue(order=paid, actor=operator)
    before = snapshot(paid)
    with pytest.raises(ValidationError):
        policy_issue(order=paid, actor=operator)
    with pytest.raises(ValidationError):
        order_reject(order=paid, actor=operator, reason="دیگر نمی‌شود")
    assert snapshot(paid) == before


def test_the_virtual_branch_does_not_issue_for_an_agency_with_rights(
    client, operator, queue_orders
):
    own = queue_orders["own"]
    client.force_login(operator)
    page = client.get(f"/issuance/{own.public_id}/", HTTP_HOST=OPS).content.decode()
    assert 'id="issue-form"' not in page
    before = snapshot(own)
    assert client.post(f"/issuance/{own.public_id}/issue/", {}, HTTP_HOST=OPS).status_code == 403
    assert snapshot(own) == before


def test_who_may_see_and_act_in_the_virtual_branch(client, queue_orders):
    order = queue_orders["queue"][0]
    # Anonymous: log in first.
    response = client.get("/issuance/", HTTP_HOST=OPS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # A customer or agency staff: nothing here.
    client.force_login(create_user())
    for path in ("/", "/issuance/", f"/issuance/{order.public_id}/", "/sales-record/"):
        assert client.get(path, HTTP_HOST=OPS).status_code == 404, path
    for role in (User.InsurerRole.MARKETING,):
        client.force_login(create_user(insurer_role=role))
        assert client.get("/issuance/", HTTP_HOST=OPS).status_code == 404
    # A branch manager sees but does not issue.
    client.force_login(create_user(insurer_role=User.InsurerRole.BRANCH_MANAGER))
    page = client.get(f"/issuance/{order.public_id}/", HTTP_HOST=OPS)
    assert page.status_code == 200 and 'id="issue-form"' not in page.content.decode()
    before = snapshot(order)
    assert client.post(f"/issuance/{order.public_id}/issue/", {}, HTTP_HOST=OPS).status_code == 403
    reject = client.post(
        f"/issuance/{order.public_id}/reject/", {"reason": "دلیل کافی است"}, HTTP_HOST=OPS
    )
    assert reject.status_code == 403
    assert snapshot(order) == before


def test_the_sales_record_filters(
    client, operator, queue_orders, plain_agency, django_assert_max_num_queries
):
    plain_old, main_old, main_new = queue_orders["queue"]
    policy_issue(order=plain_old, actor=operator)
    order_reject(order=main_old, actor=operator, reason="مدارک ناقص است")
    policy_issue(order=main_new, actor=operator)
    issued_main = SalesEvent.objects.get(order=main_new)
    # Known days (Tehran): 1405/01/10 23:30 is in the range, 1405/01/11 00:10 is not.
    SalesEvent.objects.filter(order=plain_old).update(
        created_at=dt.datetime(2026, 3, 30, 23, 30, tzinfo=tehran())
    )
    SalesEvent.objects.filter(order=main_old).update(
        created_at=dt.datetime(2026, 3, 31, 0, 10, tzinfo=tehran())
    )
    assert format_jalali_date(dt.date(2026, 3, 30), persian_digits=False) == "1405/01/10"

    assert list(sales_events(event="policy_issued")) == [
        issued_main,
        SalesEvent.objects.get(order=plain_old),
    ]
    assert list(sales_events(agency_code=plain_agency.code)) == [
        SalesEvent.objects.get(order=plain_old)
    ]
    assert list(sales_events(order_number=f"{main_old.pk:07d}")) == [
        SalesEvent.objects.get(order=main_old)
    ]
    assert list(sales_events(order_number="abc")) == []

    client.force_login(operator)
    with django_assert_max_num_queries(10):
        page = client.get("/sales-record/", HTTP_HOST=OPS)
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<tr>") == 1 + 3  # header and three events

    def rows(**query) -> list[str]:
        body = client.get("/sales-record/", query, HTTP_HOST=OPS).content.decode()
        return re.findall(r'href="/issuance/([0-9a-f-]{36})/"', body)

    assert rows(event="order_rejected") == [str(main_old.public_id)]
    assert rows(agency=f"ar{plain_agency.code}") == [str(plain_old.public_id)]
    assert rows(agency="۷۰۲") == [str(plain_old.public_id)]
    assert rows(order=f"{main_new.pk}") == [str(main_new.public_id)]
    assert rows(date_from="۱۴۰۵/۰۱/۰۱", date_to="۱۴۰۵/۰۱/۱۰") == [str(plain_old.public_id)]
    assert rows(date_from="1405/01/11", date_to="1405/01/11") == [str(main_old.public_id)]
    assert rows(date_from="1405/13/40") == []  # an impossible date shows nothing

    # The record is paginated, 50 to a page.
    SalesEvent.objects.bulk_create(
        SalesEvent(event="quote_created", actor_label="system") for _ in range(60)
    )
    first = client.get("/sales-record/", {"event": "quote_created"}, HTTP_HOST=OPS)
    following = re.search(
        r'class="page-link keyset-next" href="\?(event=quote_created&amp;after=[^"]+)"',
        first.content.decode(),
    )
    assert first.content.decode().count("<tr>") == 1 + 50 and following
    second = client.get(f"/sales-record/?{following.group(1).replace('&amp;', '&')}", HTTP_HOST=OPS)
    assert second.content.decode().count("<tr>") == 1 + 10


# --- gapless numbering under concurrency -------------------------------------------


class _Boom(Exception):
    pass


def _waiting_behind_me() -> int:
    """How many other sessions wait for a lock this session holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks "
            "WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_policy_numbers_are_gapless_and_unique_under_concurrent_issuance():
    from policies.models import Line, TariffVersion

    line = Line.objects.create(code="issuance_fire", number_code=7, name="آتش‌سوزی")
    tariff = TariffVersion.objects.create(line=line, number=1, status="active")
    customer = create_user()
    issuer = create_user(insurer_role=User.InsurerRole.OPERATOR)
    orders = [paid_order(line=line, tariff=tariff, customer=customer) for _ in range(20)]
    workers = 7
    doomed = paid_order(line=line, tariff=tariff, customer=customer)
    pending = list(orders)
    lock = threading.Lock()
    number_taken = threading.Event()
    errors: list[BaseException] = []

    def doomed_worker() -> None:
        try:
            with transaction.atomic():
                policy_issue(order=doomed, actor=issuer)
                number_taken.set()
                # The others queue up behind the counter meanwhile.
                wait_until(lambda: _waiting_behind_me() == workers)
                raise _Boom
        except _Boom:
            pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            number_taken.set()
        finally:
            connection.close()

    def worker() -> None:
        try:
            number_taken.wait(10)
            while True:
                with lock:
                    if not pending:
                        return
                    order = pending.pop()
                policy_issue(order=order, actor=issuer)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    with pdf_task_spy() as delay:
        threads = [threading.Thread(target=doomed_worker)]
        threads += [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert all(not thread.is_alive() for thread in threads)

    year = _year()
    sequences = sorted(Policy.objects.filter(line=line).values_list("sequence", flat=True))
    assert sequences == list(range(1, 21))
    numbers = set(Policy.objects.filter(line=line).values_list("number", flat=True))
    assert numbers == {f"{year}-07-{n:06d}" for n in range(1, 21)}
    assert Order.objects.filter(pk__in=[o.pk for o in orders], state=State.ISSUED).count() == 20
    assert Order.objects.get(pk=doomed.pk).state == State.PAID
    assert PolicySequence.objects.get(line=line, jalali_year=year).last == 20
    assert delay.call_count == 20

    # The doomed order, issued again, takes the next number.
    with pdf_task_spy():
        assert policy_issue(order=doomed, actor=issuer).number == f"{year}-07-000021"


@pytest.mark.django_db(transaction=True)
def test_an_issuance_in_progress_does_not_hold_up_quotes_of_its_line():
    """Only the order and the line's number counter are locked while a policy is issued:
    customers keep getting quotes for the line meanwhile."""
    from policies.models import Line, Quote, TariffVersion

    line = Line.objects.create(code="issuance_travel", number_code=8, name="مسافرتی")
    tariff = TariffVersion.objects.create(line=line, number=1, status="active")
    customer = create_user()
    issuer = create_user(insurer_role=User.InsurerRole.OPERATOR)
    order = paid_order(line=line, tariff=tariff, customer=customer)
    issuing, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def issue_slowly() -> None:
        try:
            with transaction.atomic():
                policy_issue(order=order, actor=issuer)
                issuing.set()
                release.wait(10)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            issuing.set()
        finally:
            connection.close()

    with pdf_task_spy():
        thread = threading.Thread(target=issue_slowly)
        thread.start()
        try:
            assert issuing.wait(10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                Quote.objects.create(
                    line=line,
                    tariff_version=tariff,
                    premium=1000,
                    term_days=365,
                    expires_at=timezone.now() + dt.timedelta(days=1),
                )
        finally:
            release.set()
            thread.join(30)
    assert errors == []
    assert Quote.objects.filter(line=line, premium=1000).count() == 1
    assert Order.objects.get(pk=order.pk).state == State.ISSUED
