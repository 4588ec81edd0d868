"""Reports as audiences of bulk SMS (issue 13 builds on them): each report's customers, only
those an SMS may reach (consent, not opted out, a mobile, not merged)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Complaint, CustomerRank
from crm.reporting.catalog import REPORTS
from crm.selectors.audiences import (
    audience_customer_ids,
    audience_get,
    audience_register,
    audiences,
    sms_reachable,
)
from tests.crm.conftest import inside
from tests.crm.reports_data import book, customer, renewed_pair

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 14)


def test_every_report_but_the_totals_per_region_is_an_audience():
    keys = {audience.key for audience in audiences()}
    assert keys == {f"report:{key}" for key, report in REPORTS.items() if report.audience}
    assert "report:lines-by-region" not in keys
    assert str(audience_get("report:unhappy").label) == "مشتریان ناراضی"


def test_only_customers_an_sms_may_reach(agency):
    with inside(agency):
        now = timezone.now()
        reachable = customer(sms_consent=True)
        no_consent = customer(sms_consent=False)
        opted_out = customer(sms_consent=True, sms_opted_out_at=now)
        no_mobile = customer(sms_consent=True, mobile="")
        survivor = customer(sms_consent=True)
        merged = customer(sms_consent=True, merged_into=survivor, merged_at=now)
        for person in (reachable, no_consent, opted_out, no_mobile, merged):
            Complaint.objects.create(customer=person, subject="دیر", text="-")
        assert set(sms_reachable()) == {reachable, survivor}
        with CaptureQueriesContext(connection) as queries:
            ids = list(audience_customer_ids("report:unhappy"))
        assert ids == [reachable.pk]
        assert len(queries) == 1


def test_a_report_audience_takes_the_reports_filters(agency):
    with inside(agency):
        lapsed = customer(sms_consent=True)
        twice = customer(sms_consent=True)
        later = customer(sms_consent=True)
        book(lapsed, end=TODAY - dt.timedelta(days=2), origin="ledger")
        book(lapsed, end=TODAY - dt.timedelta(days=3), origin="ledger")
        book(later, end=TODAY - dt.timedelta(days=20), origin="ledger")
        renewed_pair(twice, end=dt.date(2024, 1, 1))
        renewed_pair(twice, end=dt.date(2025, 1, 1))

        assert list(audience_customer_ids("report:unrenewed-days", today=TODAY)) == [lapsed.pk]
        assert list(audience_customer_ids("report:unrenewed-days", today=TODAY, days=30)) == [
            lapsed.pk,
            later.pk,
        ]
        assert list(
            audience_customer_ids(
                "report:not-renewed",
                today=TODAY,
                first=TODAY - dt.timedelta(days=10),
                last=TODAY,
            )
        ) == [lapsed.pk]
        assert list(audience_customer_ids("report:loyal", today=TODAY)) == [twice.pk]
        CustomerRank.objects.create(
            customer=later, score=Decimal(5), band="A", computed_at=timezone.now()
        )
        CustomerRank.objects.create(
            customer=lapsed, score=Decimal(1), band="D", computed_at=timezone.now()
        )
        assert list(audience_customer_ids("report:ranked", band="A")) == [later.pk]


def test_an_audience_key_is_taken_once():
    first = audience_get("report:unhappy")
    assert audience_register(first.key, first.label, first.selector) == first
    with pytest.raises(ImproperlyConfigured):
        audience_register(first.key, "دیگر", lambda **filters: None)
    with pytest.raises(KeyError):
        audience_get("report:nothing")
