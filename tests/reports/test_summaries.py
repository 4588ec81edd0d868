"""Per-day summaries (decision 060): what a report shows from the summaries of its ended days
plus the live figures of the others is exactly what it shows computed live, before and after
a past day changes; a roll-up run twice leaves the same rows; whatever changes a summarised
day marks it dirty in its own transaction, and the refresh task rolls it up again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.jalali import tehran, tehran_today
from policies.models import Payment, Policy
from reports.models import SalesDay, SettlementDay, SummaryDay
from reports.periods import DateRange
from reports.selectors import VIRTUAL_BRANCH, sales_report, settlement_report
from reports.summaries import summaries_backfill, summary_days_due, summary_days_rollup
from reports.tasks import report_summaries_refresh
from settlement.models import SettlementBatch, SettlementItem, SettlementMismatch
from tests.reports.conftest import (
    ABAN_QUERY,
    OPS,
    M,
    answered,
    batch_of,
    jday,
    make_agency,
    sell,
    tehran_at,
)

pytestmark = pytest.mark.django_db

FIRST = jday(1405, 7, 25)


def until_today() -> DateRange:
    return DateRange(FIRST, tehran_today() + dt.timedelta(days=3))


def now_in_tehran(hours_ago: int = 0) -> dt.datetime:
    moment = timezone.now().astimezone(tehran()) - dt.timedelta(hours=hours_ago)
    today = tehran_today()
    return max(moment, dt.datetime.combine(today, dt.time(0, 5), tzinfo=tehran()))


@pytest.fixture
def spread(settlement):
    """The Aban network, and sales today (one of them the virtual branch's)."""
    network = settlement
    network.today = [
        sell(
            agency=agency,
            line=network.fire,
            tariff=network.tariffs[network.fire],
            customer=network.customer,
            premium=premium,
            at=now_in_tehran(),
        )
        for agency, premium in ((network.tehran, 8 * M), (None, 1 * M))
    ]
    return network


def assert_same_as_live(period: DateRange) -> None:
    for filters in (
        {},
        {"line_code": "tp"},
        {"province": "تهران"},
        {"agency_kind": VIRTUAL_BRANCH},
        {"agency_kind": "broker"},
    ):
        for by_month in (False, True):
            summarised = sales_report(period=period, by_month=by_month, **filters)
            live = sales_report(period=period, by_month=by_month, live=True, **filters)
            assert summarised == live, filters
    assert settlement_report(period=period) == settlement_report(period=period, live=True)


def rows() -> tuple[list, list]:
    sales = sorted(
        SalesDay.objects.values_list("day", "agency_id", "line_id", "policies", "premium")
    )
    settled = sorted(
        SettlementDay.objects.values_list(
            "day", "agency_id", "unattributed", "items", "items_amount", "unsettled_policies"
        ),
        key=str,
    )
    return sales, settled


def test_summaries_and_the_live_part_give_the_live_figures(spread):
    period = until_today()
    live_sales = sales_report(period=period, live=True)
    assert live_sales.count == 10  # p1–p8 and today's two
    assert summaries_backfill() > 0
    yesterday = tehran_today() - dt.timedelta(days=1)
    assert SummaryDay.objects.filter(day=yesterday, dirty=False).exists()
    assert not SummaryDay.objects.filter(day__gte=tehran_today()).exists()
    assert SalesDay.objects.filter(day=jday(1405, 8, 11)).count() == 2
    assert_same_as_live(period)
    assert_same_as_live(DateRange(jday(1405, 8, 1), jday(1405, 8, 30)))  # all summarised


def test_the_report_reads_the_summary_for_a_summarised_day(spread):
    """A summary row altered by hand shows: the day was not computed again."""
    summaries_backfill()
    SalesDay.objects.filter(day=jday(1405, 8, 15)).update(premium=Decimal(1))
    SettlementDay.objects.filter(day=jday(1405, 8, 15)).update(items=7)
    period = until_today()
    assert sales_report(period=period) != sales_report(period=period, live=True)
    assert settlement_report(period=period, live=True).total.items == 6
    assert settlement_report(period=period).total.items == 6 - 1 + 7


def test_a_rollup_run_twice_gives_the_same_rows(spread):
    summaries_backfill()
    first = rows()
    assert first[0] and first[1]
    summaries_backfill()
    summary_days_rollup(first=jday(1405, 8, 11), last=jday(1405, 8, 11))
    assert rows() == first


def test_a_day_that_has_not_ended_is_never_summarised(spread):
    assert summary_days_rollup(first=tehran_today(), last=tehran_today()) == 0
    assert not SummaryDay.objects.exists()


def dirty_days() -> set[dt.date]:
    return set(SummaryDay.objects.filter(dirty=True).values_list("day", flat=True))


def test_changes_to_past_days_mark_them_dirty_and_the_report_stays_live(
    spread, django_capture_on_commit_callbacks
):
    """A late settlement (p8 of 08/20 in the batch of 08/21), a confirmation arriving for the
    export of 08/15, a corrected premium on 08/11, a payment of 08/30 found failed: each day is
    read live until rolled up again, and its figures are always the live ones."""
    network = spread
    p = network.policies
    period = until_today()
    summaries_backfill()
    assert dirty_days() == set()

    batch_of(network.isfahan, jday(1405, 8, 21), SettlementBatch.State.OPEN, None,
             (p.p8, SettlementItem.State.PENDING, None))  # fmt: skip
    assert dirty_days() == {jday(1405, 8, 20), jday(1405, 8, 21)}
    assert_same_as_live(period)

    export = SettlementBatch.objects.get(day=jday(1405, 8, 15)).export
    confirmation = answered(export)
    assert jday(1405, 8, 15) in dirty_days()
    SummaryDay.objects.filter(day=jday(1405, 8, 15)).update(dirty=False)
    SettlementMismatch.objects.create(
        confirmation=confirmation,
        kind=SettlementMismatch.Kind.MISSING,
        item=SettlementItem.objects.get(policy=p.p4),
    )
    assert jday(1405, 8, 15) in dirty_days()
    Policy.objects.filter(pk=p.p2.pk).update(premium=Decimal(3_500_000))
    assert jday(1405, 8, 11) in dirty_days()
    Payment.objects.filter(order=p.p5.order).update(state=Payment.State.FAILED)
    assert jday(1405, 8, 30) in dirty_days()
    assert_same_as_live(period)

    # Changes that no report counts leave the day alone.
    before = dirty_days()
    Policy.objects.filter(pk=p.p1.pk).update(pdf="policies/p1.pdf")
    SettlementBatch.objects.filter(day=jday(1405, 8, 10)).update(total_commission=1)
    assert dirty_days() == before

    # The refresh task queues the dirty days (on commit) and they are rolled up again.
    assert set(summary_days_due()) >= before
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report_summaries_refresh()
    assert dirty_days() == before  # nothing runs before the commit
    for callback in queued:
        callback()
    assert dirty_days() == set()
    assert_same_as_live(period)
    sales, _settled = rows()
    assert (jday(1405, 8, 11), network.tehran.pk, network.fire.pk, 1, Decimal(3_500_000)) in sales


def test_a_day_summarised_while_a_change_was_open_is_marked_once_it_commits(spread):
    """A policy issued in the last second of a day commits after the roll-up of the day:
    the triggers find the day summarised and mark it (same transaction, after the lock)."""
    network = spread
    day = jday(1405, 8, 12)
    summary_days_rollup(first=day, last=day)
    late = sell(
        agency=network.tehran,
        line=network.fire,
        tariff=network.tariffs[network.fire],
        customer=network.customer,
        premium=M,
        at=tehran_at(1405, 8, 12, 23, 59),
    )
    assert dirty_days() == {day}
    assert_same_as_live(DateRange(day, day))
    summary_days_rollup(first=day, last=day)
    assert SalesDay.objects.get(day=day).premium == late.premium


@pytest.mark.parametrize("url", ["/reports/sales/", "/reports/settlement/"])
def test_queries_do_not_grow_with_summarised_rows(client, spread, operator, url):
    client.force_login(operator)
    query = {"date_from": "1405/07/25", "date_to": ""}
    summaries_backfill()
    client.get(url, ABAN_QUERY, HTTP_HOST=OPS)
    with CaptureQueriesContext(connection) as few:
        client.get(url, query, HTTP_HOST=OPS)
    for n in range(8):
        agency = make_agency(province=f"استان {n}")
        sell(
            agency=agency,
            line=spread.fire,
            tariff=spread.tariffs[spread.fire],
            customer=spread.customer,
            premium=M,
            at=tehran_at(1405, 8, 12, 10),
        )
    summaries_backfill()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, query, HTTP_HOST=OPS)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert SalesDay.objects.filter(day=jday(1405, 8, 12)).count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_rollup_waits_for_an_open_change_to_its_day():
    """A sale of the day's last minute still uncommitted when the day is rolled up: the
    roll-up waits for it (the triggers hold the day's key shared), then counts it."""
    import threading

    from django.db import connection as main_connection
    from django.db import transaction

    from policies.models import Line, TariffVersion
    from tests.factories import create_user

    line = Line.objects.create(code="tp", number_code=1, name="شخص ثالث", position=1)
    tariff = TariffVersion.objects.create(line=line, number=1, status=TariffVersion.Status.ACTIVE)
    agency, customer = make_agency(code=7801), create_user()
    day = jday(1405, 8, 12)
    written, go, rolled = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def late_sale() -> None:
        try:
            with transaction.atomic():
                sell(agency=agency, line=line, tariff=tariff, customer=customer,
                     premium=M, at=tehran_at(1405, 8, 12, 23, 59))  # fmt: skip
                written.set()
                go.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            from django.db import connection

            connection.close()

    def rollup() -> None:
        try:
            summary_days_rollup(first=day, last=day)
            rolled.set()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            from django.db import connection

            connection.close()

    seller = threading.Thread(target=late_sale)
    seller.start()
    assert written.wait(10)
    roller = threading.Thread(target=rollup)
    roller.start()
    assert not rolled.wait(1)  # waiting for the sale's transaction
    go.set()
    seller.join(10)
    roller.join(10)
    assert errors == []
    assert rolled.is_set()
    assert SalesDay.objects.get(day=day).premium == M
    assert SummaryDay.objects.get(day=day).dirty is False
    main_connection.close()


def test_the_open_days_are_read_from_the_covering_index(spread):
    """The live part of the sales report needs nothing but ``policy_issued_cover``: an index
    only scan (the table itself is never read for today's sales)."""
    summaries_backfill()
    with CaptureQueriesContext(connection) as queries:
        sales_report(period=until_today())
    (statement,) = [q["sql"] for q in queries.captured_queries if "WITH found" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using policy_issued_cover on policies_policy" in plan, plan
