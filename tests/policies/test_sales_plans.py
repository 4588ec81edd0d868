"""Sales plans (S-5.4): submitted 15 days ahead by marketing, approved by another operator,
applied by the quote engine within their dates on their lines and sites, in the breakdown."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.jalali import format_jalali_date, tehran
from core.models import AuditLog
from policies.catalog_cache import catalog_changed
from policies.models import Line, SalesPlan
from policies.services.plans import sales_plan_decide, sales_plan_submit
from policies.services.quotes import quote_create
from tests.factories import create_user
from tests.policies.test_quotes import THIRD_PARTY

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"


def today() -> dt.date:
    return timezone.localdate(timezone=tehran())


@pytest.fixture
def marketing(db):
    return create_user(insurer_role="marketing")


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator")


def submit(marketing, *, days_ahead=15, percent="10", lines=("third_party",), agencies=None):
    start = today() + dt.timedelta(days=days_ahead)
    return sales_plan_submit(
        actor=marketing,
        title="جشنواره پاییز",
        discount_percent=Decimal(percent),
        lines=list(Line.objects.filter(code__in=lines)),
        agencies=agencies,
        starts_on=start,
        ends_on=start + dt.timedelta(days=10),
    )


def running(plan: SalesPlan) -> None:
    """Fifteen days later: the plan's first day has come."""
    SalesPlan.objects.filter(pk=plan.pk).update(starts_on=today(), ends_on=today())
    catalog_changed()


def test_less_than_15_days_ahead_is_refused_with_the_earliest_date(catalog, marketing):
    with pytest.raises(ValidationError) as refused:
        submit(marketing, days_ahead=14)
    message = refused.value.message_dict["starts_on"][0]
    assert format_jalali_date(today() + dt.timedelta(days=15)) in message
    assert not SalesPlan.objects.exists()
    assert submit(marketing, days_ahead=15).state == SalesPlan.State.SUBMITTED


def test_an_approved_running_plan_discounts_the_net_before_taxes(catalog, marketing, operator):
    before = quote_create(line="third_party", answers=THIRD_PARTY, agency=None)
    assert before.premium == Decimal("65314000")
    plan = submit(marketing)
    running(plan)
    # Submitted but not approved: nothing changes.
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=None).premium == (
        Decimal("65314000")
    )
    sales_plan_decide(plan=plan, approve=True, actor=operator)
    after = quote_create(line="third_party", answers=THIRD_PARTY, agency=None)
    lines = {item["code"]: Decimal(item["amount"]) for item in after.breakdown}
    # Net 57,800,000 − 10 % = 52,020,000; VAT 10 % and duties 3 % of that.
    assert lines[f"plan-{plan.pk}"] == Decimal("-5780000")
    assert (lines["vat"], lines["duties"]) == (Decimal("5202000"), Decimal("1560600"))
    assert after.premium == Decimal("58782600")
    labels = [item["label"] for item in after.breakdown]
    assert "جشنواره پاییز" in labels
    assert labels.index("جشنواره پاییز") < labels.index("مالیات بر ارزش افزوده")


def test_not_on_other_lines_outside_its_dates_or_at_other_agencies(
    catalog, marketing, operator, agency, other_agency
):
    plan = submit(marketing, agencies=[agency])
    sales_plan_decide(plan=plan, approve=True, actor=operator)
    # Approved but not started yet.
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=agency).premium == (
        Decimal("65314000")
    )
    running(plan)
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=agency).premium == (
        Decimal("58782600")
    )
    for site in (other_agency, None):
        assert quote_create(line="third_party", answers=THIRD_PARTY, agency=site).premium == (
            Decimal("65314000")
        )
    SalesPlan.objects.filter(pk=plan.pk).update(
        starts_on=today() - dt.timedelta(days=5), ends_on=today() - dt.timedelta(days=1)
    )
    catalog_changed()
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=agency).premium == (
        Decimal("65314000")
    )


def test_a_rejected_plan_never_applies(catalog, marketing, operator):
    plan = submit(marketing)
    with pytest.raises(ValidationError):
        sales_plan_decide(plan=plan, approve=False, actor=operator)  # no note
    sales_plan_decide(plan=plan, approve=False, actor=operator, note="بودجه کافی نیست")
    running(plan)
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=None).premium == (
        Decimal("65314000")
    )
    with pytest.raises(ValidationError):
        sales_plan_decide(plan=plan, approve=True, actor=operator)


def test_roles_and_no_self_approval(catalog, marketing, operator):
    with pytest.raises(PermissionDenied):
        submit(operator)
    admin = create_user(insurer_role="admin")
    plan = submit(admin)
    with pytest.raises(PermissionDenied):
        sales_plan_decide(plan=plan, approve=True, actor=admin)
    with pytest.raises(PermissionDenied):
        sales_plan_decide(plan=plan, approve=True, actor=marketing)
    assert SalesPlan.objects.get().state == SalesPlan.State.SUBMITTED
    sales_plan_decide(plan=plan, approve=True, actor=operator)
    assert {"sales_plan.submitted", "sales_plan.approved"} <= set(
        AuditLog.objects.values_list("action", flat=True)
    )


def test_the_ops_page_submits_and_explains_in_persian(client, catalog, marketing, operator, agency):
    client.force_login(marketing)
    third = Line.objects.get(code="third_party").pk
    soon = format_jalali_date(today() + dt.timedelta(days=3))
    response = client.post(
        "/plans/",
        {
            "title": "تخفیف",
            "discount_percent": "5",
            "lines": [third],
            "agencies": "۶۸۵، 999",
            "starts_on": soon,
            "ends_on": soon,
        },
        HTTP_HOST=OPS,
    )
    assert response.status_code == 400
    errors = re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())
    assert errors and all(re.search("[\u0600-\u06ff]", error) for error in errors)
    later = format_jalali_date(today() + dt.timedelta(days=20))
    ok = client.post(
        "/plans/",
        {
            "title": "تخفیف",
            "discount_percent": "5",
            "lines": [third],
            "agencies": "۶۸۵",
            "starts_on": later,
            "ends_on": later,
        },
        HTTP_HOST=OPS,
    )
    assert ok.status_code == 302
    plan = SalesPlan.objects.get()
    assert list(plan.agencies.all()) == [agency]
    client.force_login(operator)
    page = client.get("/plans/", HTTP_HOST=OPS).content.decode()
    assert f'id="approve-plan-{plan.pk}"' in page
    client.post(f"/plans/{plan.pk}/decide/", {"decision": "approve"}, HTTP_HOST=OPS)
    assert SalesPlan.objects.get().state == SalesPlan.State.APPROVED
