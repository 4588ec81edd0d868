"""The customer's profile: Jalali birth date, national code, identity lock, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import User
from accounts.services import user_identity_verify, user_insurer_role_set, user_profile_update
from core.models import AuditLog
from tests.factories import create_user

pytestmark = pytest.mark.django_db

MOBILE = "09351234567"


@pytest.fixture
def user():
    return create_user(mobile=MOBILE)


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def _post(client, **data):
    values = {"first_name": "", "last_name": "", "national_code": "", "birth_date": "", "email": ""}
    values.update(data)
    return client.post("/accounts/profile/", values, HTTP_HOST="localhost")


def _snapshot(user: User) -> dict:
    user.refresh_from_db()
    return {name: getattr(user, name) for name in (*User.IDENTITY_FIELDS, "email")}


def test_profile_needs_login(client):
    response = client.get("/accounts/profile/", HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_jalali_birth_date_in_persian_digits_is_stored_gregorian_and_shown_jalali(logged_in, user):
    response = _post(
        logged_in,
        first_name=" سارا ",
        last_name="محمدی",
        national_code="۰۰۱۲۳۴۵۶۷۹",
        birth_date="۱۳۷۰/۰۱/۳۱",
        email="Sara@Example.COM",
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert _snapshot(user) == {
        "first_name": "سارا",
        "last_name": "محمدی",
        "national_code": "0012345679",
        "birth_date": dt.date(1991, 4, 20),
        "email": "Sara@example.com",
    }
    page = logged_in.get("/accounts/profile/", HTTP_HOST="localhost").content.decode()
    assert 'value="۱۳۷۰/۰۱/۳۱"' in page
    assert "مشخصات شما ذخیره شد." in page
    audit = AuditLog.objects.get(action="user.profile")
    assert audit.actor == user
    assert audit.changes == {
        "first_name": ["", "سارا"],
        "last_name": ["", "محمدی"],
        "national_code": ["", "0012345679"],
        "birth_date": [None, "1991-04-20"],
        "email": ["", "Sara@example.com"],
    }


def test_latin_jalali_date_with_dashes(logged_in, user):
    _post(logged_in, birth_date="1370-1-31")
    assert _snapshot(user)["birth_date"] == dt.date(1991, 4, 20)


def test_invalid_national_code_is_refused_in_persian_and_input_kept(logged_in, user):
    before = _snapshot(user)
    response = _post(
        logged_in,
        first_name="سارا",
        last_name="محمدی",
        national_code="0012345678",
        birth_date="۱۳۷۰/۰۱/۳۱",
        email="sara@example.com",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "کد ملی معتبر نیست." in page
    for typed in ("سارا", "محمدی", "0012345678", "۱۳۷۰/۰۱/۳۱", "sara@example.com"):
        assert f'value="{typed}"' in page
    assert _snapshot(user) == before
    assert not AuditLog.objects.exists()


def test_impossible_jalali_date_is_refused_in_persian(logged_in, user):
    response = _post(logged_in, first_name="سارا", birth_date="1370/13/01")
    page = response.content.decode()
    assert "تاریخ شمسی معتبر وارد کنید، مثلاً ۱۳۷۰/۰۱/۳۱." in page
    assert 'value="1370/13/01"' in page and 'value="سارا"' in page
    assert _snapshot(user)["first_name"] == ""


def test_birth_date_in_the_future_is_refused(logged_in, user):
    response = _post(logged_in, birth_date="1499/01/01")
    assert "تاریخ تولد نمی‌تواند در آینده باشد." in response.content.decode()
    assert _snapshot(user)["birth_date"] is None


def test_unchanged_save_writes_no_audit(logged_in, user):
    _post(logged_in, first_name="سارا")
    _post(logged_in, first_name="سارا")
    assert AuditLog.objects.filter(action="user.profile").count() == 1


# --- identity lock ----------------------------------------------------------------------


@pytest.fixture
def verified(user):
    user_profile_update(
        user=user,
        actor=user,
        first_name="سارا",
        last_name="محمدی",
        national_code="0012345679",
        birth_date=dt.date(1991, 4, 20),
    )
    operator = create_user(insurer_role=User.InsurerRole.OPERATOR)
    return user_identity_verify(user=user, actor=operator)


def test_identity_verify_records_who_and_when(verified):
    assert verified.identity_locked
    audit = AuditLog.objects.get(action="user.identity_verified")
    assert audit.actor.insurer_role == "operator"
    assert audit.changes == {
        "identity_verified_at": [None, verified.identity_verified_at.isoformat()]
    }
    again = user_identity_verify(user=verified, actor=None)
    assert again.identity_verified_at == verified.identity_verified_at
    assert AuditLog.objects.filter(action="user.identity_verified").count() == 1


def test_identity_verify_needs_name_and_national_code(user):
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        user_identity_verify(user=user, actor=None)
    assert refused.value.messages == ["پیش از تأیید هویت، نام، نام خانوادگی و کد ملی لازم است."]
    user.refresh_from_db()
    assert user.identity_verified_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "مریم"),
        ("last_name", "احمدی"),
        ("national_code", "0499370899"),
        ("birth_date", dt.date(1990, 1, 1)),
    ],
)
def test_service_refuses_to_change_verified_identity(verified, field, value):
    before = _snapshot(verified)
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        user_profile_update(
            user=verified, actor=verified, email="new@example.com", **{field: value}
        )
    assert refused.value.message_dict == {field: ["این مورد تأیید شده است و دیگر قابل تغییر نیست."]}
    assert _snapshot(verified) == before  # not even the e-mail was saved
    assert AuditLog.objects.filter(action="user.profile").count() == 1  # the fixture's own


def test_service_accepts_the_same_identity_values_when_locked(verified):
    updated = user_profile_update(
        user=verified, actor=verified, national_code="۰۰۱۲۳۴۵۶۷۹", email="new@example.com"
    )
    assert updated.email == "new@example.com"
    assert updated.national_code == "0012345679"


def test_form_disables_identity_fields_once_verified(client, verified):
    client.force_login(verified)
    page = client.get("/accounts/profile/", HTTP_HOST="localhost").content.decode()
    assert "هویت شما تأیید شده است" in page
    for name in ("first_name", "last_name", "national_code", "birth_date"):
        assert f'name="{name}"' in page
        tag = page[page.index(f'name="{name}"') :].split(">", 1)[0]
        assert "disabled" in tag
    email_tag = page[page.index('name="email"') :].split(">", 1)[0]
    assert "disabled" not in email_tag

    before = _snapshot(verified)
    response = _post(
        client,
        first_name="مریم",
        last_name="احمدی",
        national_code="0499370899",
        birth_date="۱۳۶۹/۱۰/۱۱",
        email="new@example.com",
    )
    assert response.status_code == 302
    after = _snapshot(verified)
    assert after == {**before, "email": "new@example.com"}


def test_insurer_role_set_is_audited(user):
    admin = create_user(insurer_role=User.InsurerRole.ADMIN)
    updated = user_insurer_role_set(user=user, role="branch_manager", actor=admin)
    assert updated.insurer_role == "branch_manager"
    assert updated.is_insurer_staff and updated.has_insurer_role("branch_manager", "operator")
    assert not updated.has_insurer_role("marketing")
    audit = AuditLog.objects.get(action="user.insurer_role")
    assert (audit.actor, audit.changes) == (admin, {"insurer_role": ["", "branch_manager"]})
    with pytest.raises(ValidationError):
        user_insurer_role_set(user=user, role="ceo", actor=admin)
    user.refresh_from_db()
    assert user.insurer_role == "branch_manager"


def test_timezone_is_tehran():
    assert str(timezone.get_current_timezone()) == "Asia/Tehran"
