"""The insurer's admin: people are added by mobile number in any spelling."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from accounts.models import User

pytestmark = pytest.mark.django_db


# The memberships inline's management form, as the admin page sends it.
INLINE = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("09120000001", "pw-123456"))
    return client


def test_admin_adds_a_user_with_persian_digits(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"mobile": "+۹۸ ۹۳۵ ۱۲۳ ۴۵۶۷", "usable_password": "false", **INLINE},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    user = User.objects.get(mobile="09351234567")
    assert not user.has_usable_password()


def test_admin_refuses_a_bad_mobile_in_persian(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"mobile": "0935", "usable_password": "false", **INLINE},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 200
    assert "شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷." in response.content.decode()
    assert User.objects.count() == 1


def test_admin_user_list_and_change_page_render(admin_client):
    target = User.objects.create_user("09351234567", national_code="0012345679")
    assert admin_client.get("/admin/accounts/user/", HTTP_HOST="localhost").status_code == 200
    page = admin_client.get(f"/admin/accounts/user/{target.pk}/change/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert (
        admin_client.get("/admin/accounts/onetimecode/", HTTP_HOST="localhost").status_code == 200
    )


def test_password_login_accepts_any_spelling_of_the_mobile(client):
    User.objects.create_superuser("09120000001", "pw-123456")
    assert authenticate(username="+۹۸ ۹۱۲ ۰۰۰ ۰۰۰۱", password="pw-123456").mobile == "09120000001"
    assert authenticate(mobile="9120000001", password="pw-123456").mobile == "09120000001"
    assert authenticate(username="09120000001", password="wrong") is None
    assert authenticate(username="not a number", password="pw-123456") is None
    response = client.post(
        "/admin/login/",
        {"username": "۰۹۱۲۰۰۰۰۰۰۱", "password": "pw-123456", "next": "/admin/"},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_cannot_edit_a_verified_identity(admin_client):
    target = User.objects.create_user(
        "09351234567", first_name="سارا", last_name="محمدی", national_code="0012345679"
    )
    page = admin_client.get(f"/admin/accounts/user/{target.pk}/change/", HTTP_HOST="localhost")
    assert 'name="national_code"' in page.content.decode()
    User.objects.filter(pk=target.pk).update(identity_verified_at="2026-01-01T00:00:00Z")
    page = admin_client.get(f"/admin/accounts/user/{target.pk}/change/", HTTP_HOST="localhost")
    content = page.content.decode()
    assert 'name="national_code"' not in content and 'name="first_name"' not in content
    assert "0012345679" in content  # still shown, read-only
    assert 'name="email"' in content
