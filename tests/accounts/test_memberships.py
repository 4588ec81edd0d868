"""S-4.4: agency staff with owner / manager / staff roles; the User model's invariants."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AgencyMembership, User
from accounts.selectors import membership_get, memberships_for
from accounts.services import membership_add, membership_deactivate
from core.models import AuditLog
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def test_agency_owner_is_a_member(agency):
    owner = User.objects.get(mobile="09121234567")
    membership = membership_get(user=owner, agency_id=agency.pk)
    assert membership.role == AgencyMembership.Role.OWNER
    assert membership.can_manage


def test_add_staff_creates_the_account_and_audits(agency):
    actor = User.objects.get(mobile="09121234567")
    membership = membership_add(agency=agency, mobile="۰۹۳۵ ۱۱۱ ۲۲۳۳", role="staff", actor=actor)
    assert membership.user.mobile == "09351112233"
    assert not membership.user.has_usable_password()
    assert membership.role == "staff" and not membership.can_manage
    audit = AuditLog.objects.get(action="membership.add", target_id=str(membership.pk))
    assert (audit.actor, audit.agency_id) == (actor, agency.pk)
    assert audit.changes == {"role": [None, "staff"], "user": [None, "09351112233"]}


def test_adding_again_changes_role_and_reactivates(agency):
    membership = membership_add(agency=agency, mobile="09351112233", role="staff", actor=None)
    membership_deactivate(membership=membership, actor=None)
    assert membership_get(user=membership.user, agency_id=agency.pk) is None
    again = membership_add(agency=agency, mobile="09351112233", role="manager", actor=None)
    assert again.pk == membership.pk
    assert (again.role, again.is_active) == ("manager", True)
    audit = AuditLog.objects.filter(action="membership.update").get()
    assert audit.changes == {"role": ["staff", "manager"], "is_active": [False, True]}
    assert AgencyMembership.objects.filter(agency=agency).count() == 2


def test_adding_with_the_same_role_changes_nothing(agency):
    membership_add(agency=agency, mobile="09351112233", role="staff", actor=None)
    membership_add(agency=agency, mobile="09351112233", role="staff", actor=None)
    assert AuditLog.objects.filter(action__startswith="membership.").count() == 1


def test_unknown_role_is_refused(agency):
    with pytest.raises(ValidationError):
        membership_add(agency=agency, mobile="09351112233", role="boss", actor=None)
    assert not User.objects.filter(mobile="09351112233").exists()


def test_last_owner_cannot_be_removed_or_demoted(agency):
    owner_membership = AgencyMembership.objects.get(agency=agency, role="owner")
    with pytest.raises(ValidationError) as refused:
        membership_deactivate(membership=owner_membership, actor=None)
    assert refused.value.message_dict == {"role": ["هر نمایندگی باید دست‌کم یک مالک داشته باشد."]}
    with pytest.raises(ValidationError):
        membership_add(agency=agency, mobile="09121234567", role="staff", actor=None)
    owner_membership.refresh_from_db()
    assert (owner_membership.role, owner_membership.is_active) == ("owner", True)

    membership_add(agency=agency, mobile="09351112233", role="owner", actor=None)
    membership_deactivate(membership=owner_membership, actor=None)
    owner_membership.refresh_from_db()
    assert owner_membership.is_active is False


def test_memberships_are_per_agency(agency, other_agency):
    owner = User.objects.get(mobile="09121234567")
    assert [m.agency.code for m in memberships_for(user=owner)] == [685]
    assert membership_get(user=owner, agency_id=other_agency.pk) is None
    membership_add(agency=other_agency, mobile=owner.mobile, role="manager", actor=None)
    assert [(m.agency.code, m.role) for m in memberships_for(user=owner)] == [
        (685, "owner"),
        (686, "manager"),
    ]


def test_one_membership_per_person_and_agency(agency):
    owner = User.objects.get(mobile="09121234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyMembership.objects.create(user=owner, agency=agency, role="staff")


# --- the User model ----------------------------------------------------------------------


def test_create_user_normalises_the_mobile():
    user = User.objects.create_user("+98 935 123 4567")
    assert user.mobile == "09351234567"
    assert user.get_username() == "09351234567"
    assert str(user) == "09351234567"


def test_database_refuses_a_badly_written_mobile():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(mobile="9351234567")


def test_model_clean_normalises_the_mobile():
    user = User(mobile="٠٩٣٥١٢٣٤٥٦٧")
    user.clean()
    assert user.mobile == "09351234567"
    with pytest.raises(ValidationError) as refused:
        User(mobile="12").clean()
    assert list(refused.value.message_dict) == ["mobile"]


def test_insurer_roles():
    assert User.InsurerRole.values == ["", "operator", "branch_manager", "marketing", "admin"]
    customer = create_user()
    assert not customer.is_insurer_staff and not customer.has_insurer_role("operator")
    superuser = User.objects.create_superuser("09120000001", "pw-123456")
    assert superuser.insurer_role == "admin" and superuser.has_insurer_role("marketing")
    operator = create_user(insurer_role="operator", is_active=False)
    assert not operator.has_insurer_role("operator")


def test_full_name():
    user = create_user(first_name="سارا", last_name="محمدی")
    assert str(user) == user.get_full_name() == "سارا محمدی"
    assert user.get_short_name() == "سارا"
