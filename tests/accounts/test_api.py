"""The accounts API: /api/auth/otp/request/, otp/verify/, me/, logout/."""

from __future__ import annotations

import pytest

from accounts.models import AgencyMembership, OneTimeCode, User
from accounts.services import membership_add
from tests.accounts.conftest import MOBILE, last_code, other_code
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def _post(client, path: str, data: dict, host: str = "localhost", **extra):
    return client.post(path, data, content_type="application/json", HTTP_HOST=host, **extra)


def _request(client, mobile: str = MOBILE, **extra):
    return _post(client, "/api/auth/otp/request/", {"mobile": mobile}, **extra)


def _verify(client, code: str, mobile: str = MOBILE, **extra):
    return _post(client, "/api/auth/otp/verify/", {"mobile": mobile, "code": code}, **extra)


def test_request_accepts_any_spelling_and_answers_202(client):
    response = _request(client, "۰۰۹۸ ۹۳۵ ۱۲۳ ۴۵۶۷")
    assert response.status_code == 202
    assert response.json() == {"detail": "sent", "expires_in": 120, "resend_in": 60}
    assert OneTimeCode.objects.get().mobile == MOBILE


def test_request_with_bad_mobile_is_a_400_in_persian(client):
    response = _request(client, "12345")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷.",
        "code": "invalid",
        "fields": {"mobile": ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]},
    }
    response = _post(client, "/api/auth/otp/request/", {})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["mobile"]
    assert not OneTimeCode.objects.exists()


def test_request_throttled_per_number_is_429_with_retry_after(client):
    assert _request(client).status_code == 202
    response = _request(client)
    assert response.status_code == 429
    assert response["Retry-After"] in ("59", "60")
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("تعداد درخواست کد بیش از حد مجاز است.")
    assert OneTimeCode.objects.count() == 1


def test_request_throttled_per_ip(client, settings):
    settings.OTP_MAX_PER_IP_PER_HOUR = 2
    assert _request(client, "09350000001", REMOTE_ADDR="10.1.1.1").status_code == 202
    assert _request(client, "09350000002", REMOTE_ADDR="10.1.1.1").status_code == 202
    response = _request(client, "09350000003", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert _request(client, "09350000003", REMOTE_ADDR="10.1.1.2").status_code == 202


def test_verify_signs_up_on_an_agency_site_and_logs_in(client, agency):
    _request(client, host="ar685.localhost")
    response = _verify(client, last_code(), host="ar685.localhost")
    assert response.status_code == 200
    user = User.objects.get(mobile=MOBILE)
    assert user.signup_agency == agency
    assert response.json() == {
        "created": True,
        "user": {
            "id": user.pk,
            "mobile": MOBILE,
            "first_name": "",
            "last_name": "",
            "national_code": "",
            "birth_date": None,
            "email": "",
            "identity_locked": False,
            "insurer_role": "",
            "memberships": [],
        },
    }
    assert client.session["_auth_user_id"] == str(user.pk)


def test_verify_existing_user(client):
    user = create_user(mobile=MOBILE, first_name="سارا")
    _request(client)
    response = _verify(client, last_code())
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert response.json()["user"]["first_name"] == "سارا"
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("prepare", "code", "error_code", "message"),
    [
        (
            "none",
            "123456",
            "missing",
            "برای این شماره کد معتبری درخواست نشده است. کد جدید درخواست کنید.",
        ),
        ("request", "wrong", "wrong", "کد درست نیست. ۴ بار دیگر می‌توانید تلاش کنید."),
        ("expire", "right", "expired", "این کد منقضی شده است. کد جدید درخواست کنید."),
    ],
)
def test_verify_refusals_are_422_with_a_code(client, prepare, code, error_code, message):
    if prepare != "none":
        _request(client)
    if prepare == "expire":
        OneTimeCode.objects.update(expires_at="2000-01-01T00:00:00Z")
    if code == "right":
        code = last_code()
    elif code == "wrong":
        code = other_code(last_code())
    response = _verify(client, code)
    assert response.status_code == 422
    assert response.json() == {"detail": message, "code": error_code}
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_verify_a_code_that_is_not_six_digits_is_a_400(client):
    _request(client)
    response = _verify(client, "12345")
    assert response.status_code == 400
    assert response.json()["fields"] == {"code": ["کد ۶ رقمی پیامک‌شده را وارد کنید."]}
    assert "_auth_user_id" not in client.session
    assert OneTimeCode.objects.get().attempts == 0


def test_verify_locks_after_five_wrong_tries(client):
    _request(client)
    code = last_code()
    codes = [_verify(client, other_code(code)).json()["code"] for _ in range(5)]
    assert codes == ["wrong", "wrong", "wrong", "wrong", "locked"]
    response = _verify(client, code)
    assert response.status_code == 422
    assert response.json()["code"] == "locked"
    assert "_auth_user_id" not in client.session


def test_verify_throttled_per_ip_is_429_with_retry_after(client, monkeypatch):
    monkeypatch.setattr("accounts.services.otp.OTP_MAX_VERIFY_PER_IP_PER_HOUR", 1)
    _request(client)
    code = last_code()
    assert _verify(client, other_code(code)).status_code == 422
    response = _verify(client, code)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 3590 <= int(response["Retry-After"]) <= 3600


def test_verify_with_bad_mobile(client):
    response = _verify(client, "123456", mobile="0912")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "mobile": ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]
    }


def test_me_needs_login_and_says_so_with_401(client):
    response = client.get("/api/auth/me/", HTTP_HOST="localhost")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Session realm="api"'
    assert response.json() == {
        "detail": "اطلاعات برای اعتبارسنجی ارسال نشده است.",
        "code": "not_authenticated",
    }


def test_me_lists_active_memberships(client, agency, other_agency):
    owner = User.objects.get(mobile="09121234567")
    membership_add(agency=other_agency, mobile=owner.mobile, role="staff", actor=None)
    client.force_login(owner)
    response = client.get("/api/auth/me/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 200
    assert response.json()["memberships"] == [
        {"agency_id": agency.pk, "agency_code": 685, "agency_name": agency.name, "role": "owner"},
        {
            "agency_id": other_agency.pk,
            "agency_code": 686,
            "agency_name": other_agency.name,
            "role": "staff",
        },
    ]
    AgencyMembership.objects.filter(agency=other_agency, user=owner).update(is_active=False)
    response = client.get("/api/auth/me/", HTTP_HOST="localhost")
    assert [m["agency_code"] for m in response.json()["memberships"]] == [685]


def test_logout(client):
    client.force_login(create_user(mobile=MOBILE))
    assert client.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 200
    response = _post(client, "/api/auth/logout/", {})
    assert response.status_code == 204
    assert client.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 401
    assert _post(client, "/api/auth/logout/", {}).status_code == 401
