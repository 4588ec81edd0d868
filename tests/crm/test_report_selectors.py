"""Each CRM report's rule (S-6.8, seed 001), with rows on both sides of it: a broken filter
lets a row in that must stay out, or leaves out one that belongs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Complaint, CustomerPhone, CustomerRank, Gift, Marketer, Region
from crm.selectors import reports
from tests.crm.conftest import inside
from tests.crm.reports_data import book, customer, renewed_pair

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 14)  # 1405/04/23


def _names(rows, prefix: str = "") -> list[str]:
    return [row[f"{prefix}last_name"] for row in rows]


def test_loyal_customers_renew_and_never_complained_nor_disliked_a_gift(agency):
    with inside(agency):
        loyal = customer(last_name="وفادار")
        complained = customer(last_name="شاکی")
        displeased = customer(last_name="ناراضی")
        once = customer(last_name="یکبار")
        recent = customer(last_name="تازه")
        for person in (loyal, complained, displeased):
            renewed_pair(person, end=dt.date(2021, 3, 1))
            renewed_pair(person, end=dt.date(2022, 3, 1))
        renewed_pair(once, end=dt.date(2024, 3, 1))
        renewed_pair(recent, end=dt.date(2025, 9, 1))
        renewed_pair(recent, end=dt.date(2025, 10, 1))
        Complaint.objects.create(
            customer=complained, subject="دیر", text="دیر", state=Complaint.State.RESOLVED
        )
        Gift.objects.create(
            customer=displeased, kind="تقویم", state="given", given_at=TODAY, response="negative"
        )
        Gift.objects.create(
            customer=loyal, kind="تقویم", state="given", given_at=TODAY, response="positive"
        )

        rows = list(reports.loyal_customers(today=TODAY).all())
        assert _names(rows) == ["وفادار", "تازه"]
        first = rows[0]
        assert (first["renewals"], first["policies"]) == (2, 4)
        assert first["since"] == dt.date(2020, 3, 1)
        assert first["premium"] == Decimal("49380000")
        assert _names(reports.loyal_customers(today=TODAY, min_renewals=1).all()) == [
            "وفادار",
            "تازه",
            "یکبار",
        ]
        assert _names(reports.loyal_customers(today=TODAY, min_years=3).all()) == ["وفادار"]


def test_unhappy_customers_have_an_unsettled_complaint_or_disliked_a_gift(agency):
    with inside(agency):
        open_one = customer(last_name="باز")
        rejected = customer(last_name="ردشده")
        settled = customer(last_name="حل‌شده")
        displeased = customer(last_name="هدیه")
        pleased = customer(last_name="خشنود")
        now = timezone.now()
        Complaint.objects.create(customer=open_one, subject="اول", text="-", received_at=now)
        Complaint.objects.create(
            customer=open_one, subject="دوم", text="-", state="referred", received_at=now
        )
        Complaint.objects.create(
            customer=rejected,
            subject="رد",
            text="-",
            state="rejected",
            received_at=now - dt.timedelta(days=3),
        )
        Complaint.objects.create(customer=settled, subject="حل", text="-", state="resolved")
        Gift.objects.create(customer=displeased, kind="خودکار", response="negative")
        Gift.objects.create(customer=pleased, kind="خودکار", response="positive")

        rows = list(reports.unhappy_customers().all())
        assert _names(rows) == ["باز", "ردشده", "هدیه"]
        assert [row["unsettled_complaints"] for row in rows] == [2, 1, 0]
        assert rows[1]["last_complaint_subject"] == "رد"
        assert rows[2]["displeased_gifts"] == 1


def test_ranked_customers_best_score_first_and_by_band(agency):
    with inside(agency):
        now = timezone.now()
        for name, score, band in (("ب", "40", "B"), ("الف", "90", "A"), ("ج", "10", "D")):
            CustomerRank.objects.create(
                customer=customer(last_name=name), score=Decimal(score), band=band, computed_at=now
            )
        customer(last_name="بی‌رتبه")
        assert _names(reports.ranked_customers().all(), "customer__") == ["الف", "ب", "ج"]
        assert _names(reports.ranked_customers(band="B").all(), "customer__") == ["ب"]


def test_policies_not_expired_not_renewed_renewed_and_cancelled_in_a_period(agency):
    first, last = dt.date(2026, 6, 22), dt.date(2026, 7, 22)  # Tir 1405
    with inside(agency):
        person = customer()
        in_force = book(person, end=dt.date(2026, 7, 20), number="IN-FORCE")
        book(person, end=dt.date(2026, 8, 1), number="LATER")
        lapsed = book(person, end=dt.date(2026, 7, 1), number="LAPSED")
        lapsed_marked = book(person, end=dt.date(2026, 7, 2), number="LAPSED-2", state="expired")
        book(person, end=dt.date(2026, 6, 1), number="BEFORE")
        renewed, following = renewed_pair(person, end=dt.date(2026, 7, 5), number="RENEWED")
        cancelled = book(
            person,
            end=dt.date(2026, 7, 3),
            number="CANCELLED",
            state="cancelled",
            state_changed_at=dt.datetime(2026, 6, 30, 9, tzinfo=dt.UTC),
        )
        book(
            person,
            end=dt.date(2026, 12, 1),
            number="CANCELLED-BEFORE",
            state="cancelled",
            state_changed_at=dt.datetime(2026, 6, 21, 19, 0, tzinfo=dt.UTC),  # 22:30 on 31 Khordad
        )
        period = {"first": first, "last": last, "today": TODAY}

        def numbers(selector):
            return [row["number"] for row in selector(**period).all()]

        assert numbers(reports.policies_not_expired) == [in_force.number]
        assert numbers(reports.policies_not_renewed) == [lapsed.number, lapsed_marked.number]
        assert numbers(reports.policies_renewed) == [renewed.number]
        assert list(reports.policies_renewed(**period).all())[0]["renewed_by__number"] == (
            following.number
        )
        assert numbers(reports.policies_cancelled) == [cancelled.number]


def test_best_selling_lines_per_region_count_the_agencys_own_sales(agency, sale_line):
    first, last = dt.date(2026, 6, 22), dt.date(2026, 7, 22)
    with inside(agency):
        north, south = Region.objects.create(name="شمال"), Region.objects.create(name="جنوب")
        a, b = customer(region=north), customer(region=north)
        c, nowhere = customer(region=south), customer()
        start = dt.date(2026, 7, 1)
        end = start + dt.timedelta(days=365)
        for person in (a, a, b):
            book(person, start=start, end=end, origin="ledger", line_code="fire")
        book(a, start=start, end=end, origin="ledger")
        book(c, start=start, end=end, origin="ledger")
        book(nowhere, start=start, end=end, origin="ledger")
        # Not counted: another insurer's, cancelled, started before the period.
        book(b, start=start, end=end)
        book(b, start=start, end=end, origin="ledger", state="cancelled")
        book(b, start=dt.date(2026, 6, 1), end=end, origin="ledger")

        rows = list(reports.best_selling_lines(first=first, last=last))
        assert [
            (row["customer__region__name"], row["line_code"], row["policies"], row["customers"])
            for row in rows
        ] == [
            ("جنوب", "crm_motor", 1, 1),
            ("شمال", "fire", 3, 2),
            ("شمال", "crm_motor", 1, 1),
            (None, "crm_motor", 1, 1),
        ]
        assert rows[1]["premium"] == Decimal("37035000")
        only_north = reports.best_selling_lines(first=first, last=last, region_id=north.pk)
        assert {row["customer__region__name"] for row in only_north} == {"شمال"}


def test_other_insurers_policies_expiring_within_n_days(agency):
    with inside(agency):
        person = customer()
        soon = book(person, end=TODAY + dt.timedelta(days=10), number="SOON")
        today = book(person, end=TODAY, number="TODAY")
        book(person, end=TODAY + dt.timedelta(days=40), number="LATER")
        book(person, end=TODAY - dt.timedelta(days=1), number="GONE")
        book(person, end=TODAY + dt.timedelta(days=5), number="OURS", origin="ledger")
        book(person, end=TODAY + dt.timedelta(days=5), number="STOPPED", state="cancelled")
        rows = reports.other_insurers_expiring(today=TODAY, days=30).all()
        assert [row["number"] for row in rows] == [today.number, soon.number]
        assert [
            row["number"] for row in reports.other_insurers_expiring(today=TODAY, days=5).all()
        ] == [today.number]


def test_unrenewed_n_days_from_expiry_grouped_by_agency_then_line(agency):
    with inside(agency):
        marketer = Marketer.objects.create(first_name="رضا", last_name="بازاریاب")
        person = customer(last_name="بیمه‌گذار")
        CustomerPhone.objects.create(customer=person, kind="mobile", number=person.mobile)
        CustomerPhone.objects.create(customer=person, kind="landline", number="02164573000")
        days_ago = {n: TODAY - dt.timedelta(days=n) for n in range(10)}
        own_motor = book(person, end=days_ago[4], origin="ledger", marketer=marketer)
        own_motor_2 = book(person, end=days_ago[2], origin="ledger")
        own_fire = book(person, end=days_ago[5], origin="ledger", line_code="fire")
        theirs = book(person, end=days_ago[1], insurer_code="dana")
        expiring_today = book(person, end=TODAY, origin="ledger", line_code="fire")
        # Out: expired too long ago, renewed, cancelled, not yet expired.
        book(person, end=days_ago[6], origin="ledger")
        renewed_pair(person, end=days_ago[3], origin="ledger")
        book(person, end=days_ago[2], origin="ledger", state="cancelled")
        book(person, end=TODAY + dt.timedelta(days=1), origin="ledger")

        rows = list(reports.unrenewed_since_expiry(today=TODAY, days=5).all())
        assert [row["number"] for row in rows] == [
            own_motor.number,
            own_motor_2.number,
            own_fire.number,
            expiring_today.number,
            theirs.number,
        ]
        assert rows[0]["customer_phone"] == "02164573000"
        assert rows[0]["marketer__last_name"] == "بازاریاب"
        assert rows[1]["marketer__last_name"] is None
