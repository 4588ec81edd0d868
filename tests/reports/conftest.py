"""A small network built by hand, with figures worked out on paper (Jalali month Aban 1405 =
2026-10-23 … 2026-11-21; Tehran is UTC+3:30):

agency 701 (Tehran, agent) and 702 (Isfahan, broker), rows only (reports never enter
their schemas); lines "tp" (third party) and "fire"; the virtual branch's own sales.

| policy | seller | line | premium    | issued (Tehran)      |                            |
|--------|--------|------|------------|----------------------|----------------------------|
| p1     | 701    | tp   | 10,000,000 | 1405/08/10 23:50     | UTC 20:20, same UTC day as p2 |
| p2     | 701    | fire |  3,000,000 | 1405/08/11 00:10     |                            |
| p3     | 702    | tp   |  7,000,000 | 1405/08/11 12:00     |                            |
| p4     | —      | tp   |  5,000,000 | 1405/08/15 10:00     | virtual branch             |
| p8     | 702    | fire |  6,000,000 | 1405/08/20 10:00     | in no settlement batch     |
| p5     | 701    | tp   |  2,000,000 | 1405/08/30 23:50     | last minutes of the month  |
| p6     | 702    | fire |  9,000,000 | 1405/09/01 00:10     | next month (UTC: still 08/30) |
| p7     | 701    | tp   |  4,000,000 | 1405/07/30 23:59     | previous month             |
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

import jdatetime
import pytest

from core.jalali import tehran
from policies.models import Line, Order, Payment, Policy, TariffVersion
from referrals.models import Offer, Referral
from reports.periods import DateRange
from settlement.models import (
    SettlementBatch,
    SettlementConfirmation,
    SettlementConfirmationLine,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from tenants.models import Agency
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

OPS = "ops.localhost"
ABAN = DateRange(dt.date(2026, 10, 23), dt.date(2026, 11, 21))
ABAN_QUERY = {"date_from": "۱۴۰۵/۰۸/۰۱", "date_to": "1405/08/30"}
M = 1_000_000

_numbers = itertools.count(1)
_codes = itertools.count(7100)


def tehran_at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware moment given in Jalali date and Tehran time."""
    gregorian = jdatetime.date(year, month, day).togregorian()
    return dt.datetime.combine(gregorian, dt.time(hour, minute), tzinfo=tehran())


def jday(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def make_agency(*, code: int | None = None, **fields) -> Agency:
    code = code or next(_codes)
    return Agency.objects.create(
        code=code,
        schema_name=f"ar{code}",
        name=fields.pop("name", f"نمایندگی {code}"),
        latitude=Decimal("35.700000"),
        longitude=Decimal("51.400000"),
        **fields,
    )


def sell(*, agency, line, tariff, customer, premium: int, at: dt.datetime) -> Policy:
    """An issued policy with its verified payment, issued at ``at``."""
    n = next(_numbers)
    order = make_order(
        line=line,
        tariff=tariff,
        customer=customer,
        agency=agency,
        state=Order.State.ISSUED,
        premium=str(premium),
    )
    Payment.objects.create(
        order=order,
        attempt=1,
        gateway="sandbox",
        amount=order.premium,
        token=f"report-{n}",
        state=Payment.State.SUCCEEDED,
        reference=f"{n:012d}",
        verified_at=at,
    )
    policy = Policy.objects.create(
        order=order,
        number=f"1405-R-{n:06d}",
        line=line,
        jalali_year=1405,
        sequence=n,
        agency=agency,
        customer=customer,
        start_date=at.date(),
        end_date=at.date() + dt.timedelta(days=365),
        premium=Decimal(premium),
        tariff_version=tariff,
        verification_code=f"R{n:09d}",
    )
    Policy.objects.filter(pk=policy.pk).update(issued_at=at)
    policy.refresh_from_db()
    return policy


@pytest.fixture
def network(db):
    tehran_agency = make_agency(
        code=701, name="نمایندگی تهران", kind=Agency.Kind.AGENT, province="تهران"
    )
    isfahan_agency = make_agency(
        code=702, name="کارگزاری اصفهان", kind=Agency.Kind.BROKER, province="اصفهان"
    )
    third_party = Line.objects.create(code="tp", number_code=1, name="شخص ثالث", position=1)
    fire = Line.objects.create(code="fire", number_code=2, name="آتش‌سوزی", position=2)
    tariffs = {
        line: TariffVersion.objects.create(line=line, number=1, status=TariffVersion.Status.ACTIVE)
        for line in (third_party, fire)
    }
    customer = create_user(first_name="سارا", last_name="کریمی")

    def sale(agency, line, premium, at):
        return sell(
            agency=agency,
            line=line,
            tariff=tariffs[line],
            customer=customer,
            premium=premium,
            at=at,
        )

    policies = SimpleNamespace(
        p1=sale(tehran_agency, third_party, 10 * M, tehran_at(1405, 8, 10, 23, 50)),
        p2=sale(tehran_agency, fire, 3 * M, tehran_at(1405, 8, 11, 0, 10)),
        p3=sale(isfahan_agency, third_party, 7 * M, tehran_at(1405, 8, 11, 12, 0)),
        p4=sale(None, third_party, 5 * M, tehran_at(1405, 8, 15, 10, 0)),
        p8=sale(isfahan_agency, fire, 6 * M, tehran_at(1405, 8, 20, 10, 0)),
        p5=sale(tehran_agency, third_party, 2 * M, tehran_at(1405, 8, 30, 23, 50)),
        p6=sale(isfahan_agency, fire, 9 * M, tehran_at(1405, 9, 1, 0, 10)),
        p7=sale(tehran_agency, third_party, 4 * M, tehran_at(1405, 7, 30, 23, 59)),
    )
    return SimpleNamespace(
        tehran=tehran_agency,
        isfahan=isfahan_agency,
        third_party=third_party,
        fire=fire,
        tariffs=tariffs,
        customer=customer,
        policies=policies,
    )


# Referrals --------------------------------------------------------------------------------


def refer(network, *, started: dt.datetime, state: str, offers: list[tuple]) -> Referral:
    """A referral started at ``started``; each offer is (agency, wave, state, offered after
    seconds, answered after seconds or None)."""
    order = make_order(
        line=network.third_party,
        tariff=network.tariffs[network.third_party],
        customer=network.customer,
        state=Order.State.PAID,
    )
    referral = Referral.objects.create(
        order=order, state=state, latitude=Decimal("35.7"), longitude=Decimal("51.4")
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=started)
    for agency, wave, offer_state, offered_after, answered_after in offers:
        offered_at = started + dt.timedelta(seconds=offered_after)
        offer = Offer.objects.create(
            referral=referral,
            agency=agency,
            wave=wave,
            distance_m=1000,
            state=offer_state,
            expires_at=offered_at + dt.timedelta(minutes=10),
            answered_at=(
                None if answered_after is None else started + dt.timedelta(seconds=answered_after)
            ),
        )
        Offer.objects.filter(pk=offer.pk).update(offered_at=offered_at)
    return referral


@pytest.fixture
def referrals(network):
    """Agency 701: accepts R1 after 120 s (wait 120 s) and R4 after 240 s (offered in wave 2
    at 600 s, so the customer waited 840 s), lets R2 expire, declines R3. Agency 702: loses R1
    to 701, accepts R2 in wave 2 after 300 s (wait 900 s), lets R3 and R4 expire. R3 falls
    through to the virtual branch; R5 started the month before."""
    a, b = network.tehran, network.isfahan
    S = Offer.State
    refer(
        network,
        started=tehran_at(1405, 8, 5, 10),
        state=Referral.State.ACCEPTED,
        offers=[(a, 1, S.ACCEPTED, 0, 120), (b, 1, S.WITHDRAWN, 0, None)],
    )
    refer(
        network,
        started=tehran_at(1405, 8, 6, 10),
        state=Referral.State.ACCEPTED,
        offers=[(a, 1, S.EXPIRED, 0, None), (b, 2, S.ACCEPTED, 600, 900)],
    )
    refer(
        network,
        started=tehran_at(1405, 8, 7, 10),
        state=Referral.State.FALLEN,
        offers=[(a, 1, S.DECLINED, 0, 60), (b, 1, S.EXPIRED, 0, None)],
    )
    refer(
        network,
        started=tehran_at(1405, 8, 8, 10),
        state=Referral.State.ACCEPTED,
        offers=[(b, 1, S.EXPIRED, 0, None), (a, 2, S.ACCEPTED, 600, 840)],
    )
    refer(
        network,
        started=tehran_at(1405, 7, 20, 10),
        state=Referral.State.ACCEPTED,
        offers=[(a, 1, S.ACCEPTED, 0, 30)],
    )
    return network


# Settlement -------------------------------------------------------------------------------

_exports = itertools.count(1)


def export_of(day: dt.date) -> SettlementExport:
    n = next(_exports)
    return SettlementExport.objects.create(
        number=f"EXP-{n:04d}",
        day=day,
        sequence=n,
        state=SettlementExport.State.DONE,
        batch_count=1,
        item_count=1,
        total_amount=0,
        total_commission=0,
    )


def answered(export: SettlementExport) -> SettlementConfirmation:
    """The export's latest matched confirmation (made when it has none)."""
    if export.confirmation is None:
        export.confirmation = SettlementConfirmation.objects.create(
            export=export,
            file=f"settlement/confirmations/{export.number}.csv",
            original_name=f"{export.number}.csv",
            sha256="0" * 64,
            size=100,
            state=SettlementConfirmation.State.APPLIED,
        )
        export.save(update_fields=["confirmation"])
    return export.confirmation


def batch_of(agency, day, state, export=None, *items: tuple[Policy, str, int | None]):
    """A batch with its items; an item the core system confirmed (or confirmed for another
    amount) gets its line in the export's confirmation. The differences themselves are made
    by the caller, as the import would."""
    batch = SettlementBatch.objects.create(
        agency=agency,
        day=day,
        state=state,
        export=export,
        item_count=len(items),
        total_amount=sum(policy.premium for policy, _state, _confirmed in items),
    )
    made = []
    for policy, item_state, confirmed in items:
        payment = policy.order.payments.get()
        item = SettlementItem.objects.create(
            batch=batch,
            payment=payment,
            policy=policy,
            agency=agency,
            amount=policy.premium,
            commission=0,
            policy_number=policy.number,
            line_code=policy.line.code,
            gateway=payment.gateway,
            bank_reference=payment.reference,
            paid_at=payment.verified_at,
            issued_at=policy.issued_at,
        )
        if export is not None and item_state in (
            SettlementItem.State.CONFIRMED,
            SettlementItem.State.DIFFERS,
        ):
            SettlementConfirmationLine.objects.create(
                confirmation=answered(export),
                item_ref=item.pk,
                line_number=len(made) + 2,
                policy_number=item.policy_number,
                core_policy_number=f"CORE-{item.pk}",
                amount=confirmed,
            )
        made.append(item)
    return batch, made


@pytest.fixture
def settlement(network):
    """Batches of Aban 1405 in each state (see the table at the top):
    08/10 701 confirmed (p1 confirmed); 08/11 701 and 702 with differences (p2 differs:
    confirmed 2,500,000 of 3,000,000; p3 missing) plus a confirmed line no export had;
    08/15 virtual branch exported, not confirmed (p4); 08/30 701 open (p5); p8 in no batch;
    09/01 702 open (p6, outside the month)."""
    p = network.policies
    a, b = network.tehran, network.isfahan
    B, Item = SettlementBatch.State, SettlementItem.State
    first = export_of(jday(1405, 8, 10))
    batch_of(a, jday(1405, 8, 10), B.CONFIRMED, first, (p.p1, Item.CONFIRMED, p.p1.premium))
    second = export_of(jday(1405, 8, 11))
    _batch, (differing,) = batch_of(
        a, jday(1405, 8, 11), B.DISCREPANT, second, (p.p2, Item.DIFFERS, 2_500_000)
    )
    _batch, (missing,) = batch_of(
        b, jday(1405, 8, 11), B.DISCREPANT, second, (p.p3, Item.MISSING, None)
    )
    confirmation = answered(second)
    Kind = SettlementMismatch.Kind
    SettlementMismatch.objects.create(
        confirmation=confirmation,
        kind=Kind.AMOUNT,
        item=differing,
        expected_amount=3 * M,
        confirmed_amount=2_500_000,
    )
    SettlementMismatch.objects.create(confirmation=confirmation, kind=Kind.MISSING, item=missing)
    SettlementMismatch.objects.create(
        confirmation=confirmation, kind=Kind.EXTRA, item_reference="X-1", confirmed_amount=1
    )
    third = export_of(jday(1405, 8, 15))
    batch_of(None, jday(1405, 8, 15), B.EXPORTED, third, (p.p4, Item.PENDING, None))
    batch_of(a, jday(1405, 8, 30), B.OPEN, None, (p.p5, Item.PENDING, None))
    batch_of(b, jday(1405, 9, 1), B.OPEN, None, (p.p6, Item.PENDING, None))
    return network


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator", first_name="کارشناس", last_name="گزارش")
