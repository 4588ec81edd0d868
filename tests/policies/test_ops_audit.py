"""Every write of the virtual branch leaves an audit row with its actor and the old and new
values (issue 5, point 7): control requests filed and decided, sales plans submitted and
decided, referral settings changed, orders issued or rejected by the virtual branch,
commission rates added. Done through the ops pages where there is one, as staff do it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.jalali import format_jalali_date, tehran
from core.models import AuditLog
from policies.models import AgencyLine, Order, SalesPlan
from policies.services.plans import sales_plan_submit
from referrals.selectors import referral_settings
from settlement.services.commissions import commission_rate_add
from tenants.control import control_request_file
from tenants.models import Agency, ControlRequest
from tests.factories import create_user
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
REASON = "نمایندگی مجوز این رشته را ندارد"


@pytest.fixture
def manager(db):
    return create_user(insurer_role="branch_manager")


@pytest.fixture
def marketing(db):
    return create_user(insurer_role="marketing")


def only(action: str) -> AuditLog:
    return AuditLog.objects.get(action=action)


def line_request(agency, manager, motor_line) -> ControlRequest:
    return control_request_file(
        agency=agency,
        kind=ControlRequest.Kind.LINE_RESTRICT,
        line_code=motor_line.code,
        reason=REASON,
        actor=manager,
    )


def test_filing_a_control_request(client, agency, manager, motor_line):
    client.force_login(manager)
    response = client.post(
        "/control/",
        {"agency": "۶۸۵", "kind": "line_off", "line_code": motor_line.code, "reason": REASON},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    item = ControlRequest.objects.get()
    log = only("control.requested")
    assert (log.actor, log.agency_id, log.target_type, log.target_id) == (
        manager,
        agency.pk,
        "tenants.controlrequest",
        str(item.pk),
    )
    assert log.changes == {
        "kind": [None, "line_off"],
        "line": [None, motor_line.code],
        "reason": [None, REASON],
    }


def test_approving_a_line_restriction_records_the_decision_and_the_line(
    client, agency, manager, operator, motor_line
):
    item = line_request(agency, manager, motor_line)
    client.force_login(operator)
    response = client.post(
        f"/control/{item.pk}/decide/", {"decision": "approve", "note": ""}, HTTP_HOST=OPS
    )
    assert response.status_code == 302
    decided = only("control.approved")
    assert (decided.actor, decided.agency_id, decided.target_id) == (
        operator,
        agency.pk,
        str(item.pk),
    )
    assert decided.changes == {"state": ["pending", "approved"], "note": [None, ""]}
    applied = only("agency_line.allowed")
    setting = AgencyLine.objects.get(agency=agency, line=motor_line)
    assert (applied.actor, applied.agency_id, applied.target_id) == (
        operator,
        agency.pk,
        str(setting.pk),
    )
    assert applied.changes == {"allowed": [True, False]}


def test_approving_a_site_deactivation_records_the_status(client, agency, manager, operator):
    item = control_request_file(
        agency=agency, kind=ControlRequest.Kind.SITE_DEACTIVATE, reason=REASON, actor=manager
    )
    client.force_login(operator)
    client.post(f"/control/{item.pk}/decide/", {"decision": "approve"}, HTTP_HOST=OPS)
    status = only("agency.status")
    assert (status.actor, status.agency_id) == (operator, agency.pk)
    assert status.changes == {"status": ["active", "suspended"], "reason": [None, REASON]}


def test_rejecting_a_control_request_records_the_note_and_nothing_else(
    client, agency, manager, operator, motor_line
):
    item = line_request(agency, manager, motor_line)
    client.force_login(operator)
    # Refused first (a rejection needs a note): no row at all.
    client.post(f"/control/{item.pk}/decide/", {"decision": "reject"}, HTTP_HOST=OPS)
    assert not AuditLog.objects.filter(action__startswith="control.rej").exists()
    client.post(
        f"/control/{item.pk}/decide/",
        {"decision": "reject", "note": "مدارک کافی نیست"},
        HTTP_HOST=OPS,
    )
    log = only("control.rejected")
    assert (log.actor, log.agency_id) == (operator, agency.pk)
    assert log.changes == {"state": ["pending", "rejected"], "note": [None, "مدارک کافی نیست"]}
    assert not AuditLog.objects.filter(action="agency_line.allowed").exists()
    assert Agency.objects.get(pk=agency.pk).status == Agency.Status.ACTIVE


def _first_day() -> dt.date:
    return timezone.localdate(timezone=tehran()) + dt.timedelta(days=20)


def test_submitting_a_sales_plan(client, agency, marketing, motor_line):
    starts = _first_day()
    client.force_login(marketing)
    response = client.post(
        "/plans/",
        {
            "title": "جشنواره بهار",
            "discount_percent": "12.5",
            "lines": [motor_line.pk],
            "agencies": "۶۸۵",
            "starts_on": format_jalali_date(starts),
            "ends_on": format_jalali_date(starts + dt.timedelta(days=9)),
        },
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    plan = SalesPlan.objects.get()
    log = only("sales_plan.submitted")
    assert (log.actor, log.target_id) == (marketing, str(plan.pk))
    assert log.changes == {
        "title": [None, "جشنواره بهار"],
        "discount_percent": [None, "12.5"],
        "lines": [None, motor_line.code],
        "agencies": [None, "685"],
        "starts_on": [None, starts.isoformat()],
        "ends_on": [None, (starts + dt.timedelta(days=9)).isoformat()],
    }


@pytest.mark.parametrize(
    "decision,note,state",
    [("approve", "", "approved"), ("reject", "تخفیف بیش از سقف مصوب", "rejected")],
)
def test_deciding_a_sales_plan(client, marketing, operator, motor_line, decision, note, state):
    starts = _first_day()
    plan = sales_plan_submit(
        actor=marketing,
        title="جشنواره",
        discount_percent=Decimal("10"),
        lines=[motor_line],
        starts_on=starts,
        ends_on=starts,
    )
    client.force_login(operator)
    client.post(f"/plans/{plan.pk}/decide/", {"decision": decision, "note": note}, HTTP_HOST=OPS)
    log = only(f"sales_plan.{state}")
    assert (log.actor, log.target_id) == (operator, str(plan.pk))
    assert log.changes == {"state": ["submitted", state], "note": [None, note]}


def test_changing_the_referral_settings_records_only_what_changed(client, manager):
    referral_settings()  # the row as it is first made: 3 agencies, 10 km, x2, 10 minutes, 3 waves
    client.force_login(manager)
    response = client.post(
        "/referrals/",
        {
            "enabled": "on",
            "wave_size": "4",
            "first_radius_km": "7.5",
            "radius_growth": "2.00",
            "offer_minutes": "15",
            "max_waves": "3",
        },
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    log = only("referral_settings.updated")
    assert log.actor == manager
    assert log.changes == {
        "wave_size": [3, 4],
        "first_radius_km": ["10.0", "7.5"],
        "offer_minutes": [10, 15],
    }


def test_the_virtual_branch_issuing_an_order(client, operator, motor_line, motor_tariff, buyer):
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)
    client.force_login(operator)
    response = client.post(f"/issuance/{order.public_id}/issue/", {}, HTTP_HOST=OPS)
    assert response.status_code == 302
    order.refresh_from_db()
    moved = only("order.issued")
    assert (moved.actor, moved.target_id, moved.ip_address) == (
        operator,
        str(order.pk),
        "127.0.0.1",
    )
    assert moved.changes == {"state": ["paid", "issued"], "closed_at": [None, str(order.closed_at)]}
    issued = only("policy.issued")
    assert (issued.actor, issued.target_id) == (operator, str(order.policy.pk))
    assert issued.changes == {"number": [None, order.policy.number]}


def test_the_virtual_branch_rejecting_an_order(client, operator, motor_line, motor_tariff, buyer):
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)
    client.force_login(operator)
    response = client.post(
        f"/issuance/{order.public_id}/reject/",
        {"reason": "مدارک خودرو ناخواناست"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == Order.State.REJECTED
    log = only("order.rejected")
    assert (log.actor, log.target_id, log.ip_address) == (operator, str(order.pk), "127.0.0.1")
    assert log.changes == {
        "state": ["paid", "rejected"],
        "closed_at": [None, str(order.closed_at)],
        "rejection_reason": ["", "مدارک خودرو ناخواناست"],
        "refund_due": [False, True],
    }


def test_adding_a_commission_rate(operator):
    rate = commission_rate_add(
        agency_kind="broker",
        line_code="fire",
        percent=Decimal("12.50"),
        effective_from=dt.date(2026, 3, 21),
        actor=operator,
    )
    log = only("commission_rate.added")
    assert (log.actor, log.target_id) == (operator, str(rate.pk))
    assert log.changes == {
        "agency_kind": [None, "broker"],
        "line": [None, "fire"],
        "percent": [None, "12.50"],
        "from": [None, "2026-03-21"],
    }
