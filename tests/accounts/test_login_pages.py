"""S-2.2 in the browser's terms: the two-step login form on every host."""

from __future__ import annotations

import pytest

from accounts.models import OneTimeCode, User
from core.models import AuditLog, SmsMessage
from tests.accounts.conftest import MOBILE, last_code, other_code
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def _start(client, mobile: str, host: str = "localhost", next_url: str = ""):
    data = {"mobile": mobile}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, HTTP_HOST=host)


def test_sign_up_on_an_agency_site_records_the_agency(client, agency):
    page = client.get("/accounts/login/", HTTP_HOST="ar685.localhost")
    assert page.status_code == 200
    assert "ورود یا ثبت‌نام".encode() in page.content

    response = _start(client, "۰۹۳۵ ۱۲۳ ۴۵۶۷", host="ar685.localhost")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/?next=%2F"
    assert SmsMessage.objects.get(to=MOBILE).agency_id == agency.pk

    page = client.get(response["Location"], HTTP_HOST="ar685.localhost")
    assert "یک کد شش‌رقمی به ۰۹۳۵۱۲۳۴۵۶۷ پیامک شد".encode() in page.content

    response = client.post(
        "/accounts/login/verify/", {"code": last_code(), "next": "/"}, HTTP_HOST="ar685.localhost"
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(mobile=MOBILE)
    assert user.signup_agency == agency
    assert AuditLog.objects.filter(action="user.signup", target_id=str(user.pk)).count() == 1
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "otp_mobile" not in client.session
    home = client.get("/", HTTP_HOST="ar685.localhost")
    assert "خوش آمدید! حساب کاربری شما ساخته شد.".encode() in home.content


def test_sign_up_on_the_main_site_has_no_agency(client):
    _start(client, MOBILE)
    client.post("/accounts/login/verify/", {"code": last_code()}, HTTP_HOST="localhost")
    assert User.objects.get(mobile=MOBILE).signup_agency is None


def test_existing_user_logs_in_and_goes_to_next(client):
    user = create_user(mobile=MOBILE)
    response = _start(client, "+989351234567", next_url="/accounts/profile/")
    assert response["Location"] == "/accounts/login/verify/?next=%2Faccounts%2Fprofile%2F"
    response = client.post(
        "/accounts/login/verify/",
        {"code": last_code(), "next": "/accounts/profile/"},
        HTTP_HOST="localhost",
    )
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == 1


def test_next_may_point_to_another_platform_host_but_not_outside(client):
    _start(client, MOBILE)
    response = client.post(
        "/accounts/login/verify/",
        {"code": last_code(), "next": "http://panel.localhost:8000/"},
        HTTP_HOST="localhost",
    )
    assert response["Location"] == "http://panel.localhost:8000/"
    client.logout()

    _start(client, "09359999999")
    response = client.post(
        "/accounts/login/verify/",
        {"code": last_code("09359999999"), "next": "https://evil.example/"},
        HTTP_HOST="localhost",
    )
    assert response["Location"] == "/"


def test_invalid_mobile_shows_persian_error_and_keeps_the_input(client):
    response = _start(client, "0912-12")
    assert response.status_code == 200
    content = response.content.decode()
    assert "شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷." in content
    assert 'value="0912-12"' in content
    assert not OneTimeCode.objects.exists()


def test_wrong_code_shows_tries_left_and_keeps_the_mobile(client):
    _start(client, MOBILE)
    response = client.post(
        "/accounts/login/verify/", {"code": other_code(last_code())}, HTTP_HOST="localhost"
    )
    assert response.status_code == 200
    assert "کد درست نیست. ۴ بار دیگر می‌توانید تلاش کنید.".encode() in response.content
    assert client.session["otp_mobile"] == MOBILE
    assert "_auth_user_id" not in client.session


def test_malformed_code_is_refused_by_the_form(client):
    _start(client, MOBILE)
    response = client.post("/accounts/login/verify/", {"code": "12ab56"}, HTTP_HOST="localhost")
    assert "کد فقط از رقم تشکیل شده است.".encode() in response.content
    response = client.post("/accounts/login/verify/", {"code": "123"}, HTTP_HOST="localhost")
    assert "کد شش رقم دارد.".encode() in response.content
    assert OneTimeCode.objects.get().attempts == 0


def test_expired_code_on_the_page(client):
    _start(client, MOBILE)
    code = last_code()
    OneTimeCode.objects.update(expires_at="2000-01-01T00:00:00Z")
    response = client.post("/accounts/login/verify/", {"code": code}, HTTP_HOST="localhost")
    assert "این کد منقضی شده است. کد جدید درخواست کنید.".encode() in response.content
    assert "_auth_user_id" not in client.session


def test_second_request_is_throttled_on_the_page(client):
    assert _start(client, MOBILE).status_code == 302
    response = _start(client, "0935 123 4567")
    assert response.status_code == 429
    assert response["Retry-After"] in ("59", "60")
    content = response.content.decode()
    assert "تعداد درخواست کد بیش از حد مجاز است. لطفاً " in content
    assert 'value="0935 123 4567"' in content
    assert OneTimeCode.objects.count() == 1


def test_requests_per_ip_are_throttled_on_the_page(client, settings):
    settings.OTP_MAX_PER_IP_PER_HOUR = 2
    assert _start(client, "09350000001").status_code == 302
    assert _start(client, "09350000002").status_code == 302
    response = _start(client, "09350000003")
    assert response.status_code == 429
    assert not OneTimeCode.objects.filter(mobile="09350000003").exists()
    other_ip = client.post(
        "/accounts/login/", {"mobile": "09350000003"}, HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9"
    )
    assert other_ip.status_code == 302


def test_verify_without_a_requested_number_goes_back_to_step_one(client):
    response = client.get("/accounts/login/verify/", HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2F"


def test_logged_in_user_skips_the_login_page(client):
    client.force_login(create_user(mobile=MOBILE))
    response = client.get("/accounts/login/?next=/accounts/profile/", HTTP_HOST="localhost")
    assert response["Location"] == "/accounts/profile/"


def test_logout_needs_post(client):
    client.force_login(create_user(mobile=MOBILE))
    assert client.get("/accounts/logout/", HTTP_HOST="localhost").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/", HTTP_HOST="localhost")
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
