"""The agency's renewal settings and service staff (decision 045): changed through services,
audited with the actor, refused with Persian messages, nothing written on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AgencyMembership
from core.models import AuditLog
from renewals.models import RenewalSettings, ServiceStaff
from renewals.services.pool import on_leave, staff_candidates
from renewals.services.settings import renewal_settings_update, service_staff_update
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.factories import create_user
from tests.renewals.conftest import add_staff, inside

pytestmark = pytest.mark.django_db


def _settings() -> tuple:
    row = RenewalSettings.objects.get(pk=1)
    return row.points_per_renewal, row.lapsed_horizon_days, row.followup_enabled


def test_settings_change_is_audited_with_what_changed(agency, owner):
    with inside(agency):
        renewal_settings_update(
            agency=agency,
            actor=owner,
            points_per_renewal="۲۵",
            lapsed_horizon_days=30,
            followup_enabled=False,
        )
        assert _settings() == (25, 30, False)
    audit = AuditLog.objects.get(action="renewal_settings.updated")
    assert audit.actor == owner and audit.agency_id == agency.pk
    assert audit.changes == {
        "points_per_renewal": [10, 25],
        "lapsed_horizon_days": [60, 30],
        "followup_enabled": [True, False],
    }
    with inside(agency):  # the same values again: nothing written
        renewal_settings_update(agency=agency, actor=owner, points_per_renewal=25)
    assert AuditLog.objects.filter(action="renewal_settings.updated").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"points_per_renewal": -1}, "points_per_renewal", "عددی از ۰ تا ۱۰۰۰ وارد کنید."),
        ({"points_per_renewal": "ده"}, "points_per_renewal", "یک عدد صحیح وارد کنید."),
        ({"lapsed_horizon_days": 2}, "lapsed_horizon_days", "عددی از ۳ تا ۳۶۵ وارد کنید."),
        ({"lapsed_horizon_days": 400}, "lapsed_horizon_days", "عددی از ۳ تا ۳۶۵ وارد کنید."),
    ],
)
def test_settings_out_of_range_are_refused_in_persian(agency, owner, fields, field, message):
    with inside(agency):
        with pytest.raises(ValidationError) as refused:
            renewal_settings_update(agency=agency, actor=owner, **fields)
        assert refused.value.message_dict == {field: [message]}
        assert _settings() == (10, 60, True)
    assert not AuditLog.objects.filter(action="renewal_settings.updated").exists()


def test_a_suspended_agency_cannot_change_its_settings_or_staff(agency, owner):
    (member,) = add_staff(agency, 1)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    agency.refresh_from_db()
    with inside(agency):
        with pytest.raises(AgencyNotActive):
            renewal_settings_update(agency=agency, actor=owner, points_per_renewal=50)
        with pytest.raises(AgencyNotActive):
            service_staff_update(
                agency=agency,
                actor=owner,
                user_id=member,
                in_pool=False,
                leave_from=None,
                leave_until=None,
            )
        assert _settings() == (10, 60, True)
        assert not ServiceStaff.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="renewal_").exists()


def test_staff_taken_out_put_in_and_sent_on_leave(agency, owner):
    staff, other = add_staff(agency, 2)
    manager = add_staff(agency, 1, role=AgencyMembership.Role.MANAGER)[0]
    with inside(agency):
        assert staff_candidates(agency) == sorted([staff, other])
        service_staff_update(
            agency=agency,
            actor=owner,
            user_id=staff,
            in_pool=False,
            leave_from=None,
            leave_until=None,
        )
        service_staff_update(
            agency=agency,
            actor=owner,
            user_id=manager,
            in_pool=True,
            leave_from=dt.date(2026, 6, 1),
            leave_until=dt.date(2026, 6, 10),
        )
        assert staff_candidates(agency) == sorted([other, manager])
        assert on_leave(dt.date(2026, 6, 10)) == {manager}
        assert on_leave(dt.date(2026, 6, 11)) == set()
        # Changed again: the row is updated, not duplicated.
        service_staff_update(
            agency=agency,
            actor=owner,
            user_id=manager,
            in_pool=True,
            leave_from=dt.date(2026, 6, 1),
            leave_until=None,
        )
        assert ServiceStaff.objects.get(user_id=manager).leave_until is None
        assert ServiceStaff.objects.count() == 2
        # Nothing different: nothing written.
        service_staff_update(
            agency=agency,
            actor=owner,
            user_id=manager,
            in_pool=True,
            leave_from=dt.date(2026, 6, 1),
            leave_until=None,
        )
    audits = list(AuditLog.objects.filter(action="renewal_staff.updated").order_by("id"))
    assert len(audits) == 3
    assert audits[0].changes == {
        "user_id": [None, staff],
        "in_pool": [None, False],
        "leave_from": [None, None],
        "leave_until": [None, None],
    }
    assert audits[2].changes == {"leave_until": ["2026-06-10", None]}
    assert all(audit.actor == owner for audit in audits)


@pytest.mark.parametrize(
    ("leave_from", "leave_until", "field", "message"),
    [
        (
            dt.date(2026, 6, 10),
            dt.date(2026, 6, 9),
            "leave_until",
            "روز پایان مرخصی پیش از روز آغاز آن است.",
        ),
        (None, dt.date(2026, 6, 9), "leave_from", "روز آغاز مرخصی را هم وارد کنید."),
    ],
)
def test_a_leave_out_of_order_is_refused(agency, owner, leave_from, leave_until, field, message):
    (member,) = add_staff(agency, 1)
    with inside(agency):
        with pytest.raises(ValidationError) as refused:
            service_staff_update(
                agency=agency,
                actor=owner,
                user_id=member,
                in_pool=True,
                leave_from=leave_from,
                leave_until=leave_until,
            )
        assert refused.value.message_dict == {field: [message]}
        assert not ServiceStaff.objects.exists()


def test_someone_not_an_active_member_is_refused(agency, other_agency, owner):
    stranger = create_user()
    (left,) = add_staff(agency, 1)
    AgencyMembership.objects.filter(user_id=left).update(is_active=False)
    (elsewhere,) = add_staff(other_agency, 1)
    with inside(agency):
        for user_id in (stranger.pk, left, elsewhere):
            with pytest.raises(ValidationError) as refused:
                service_staff_update(
                    agency=agency,
                    actor=owner,
                    user_id=user_id,
                    in_pool=True,
                    leave_from=None,
                    leave_until=None,
                )
            assert refused.value.messages == ["این شخص عضو فعال نمایندگی نیست."]
        assert not ServiceStaff.objects.exists()
    assert not AuditLog.objects.filter(action="renewal_staff.updated").exists()
