"""Redis stopped: the one-time code throttles fail safe (refuse with "try again", send
nothing, count nothing), sessions carry on, and the login hub steps aside."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import OneTimeCode, User
from core.models import SmsMessage
from tests.accounts.conftest import MOBILE, last_code
from tests.factories import create_user

pytestmark = pytest.mark.django_db

LOGIN_UNAVAILABLE = "ورود لحظه‌ای در دسترس نیست. لطفاً چند لحظه دیگر دوباره تلاش کنید."


def _post(client, path: str, data: dict, host: str = "localhost"):
    return client.post(path, data, content_type="application/json", HTTP_HOST=host)


def test_the_code_request_api_answers_a_documented_503(client, own_redis):
    own_redis.stop()
    response = _post(client, "/api/auth/otp/request/", {"mobile": MOBILE})
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"detail": LOGIN_UNAVAILABLE, "code": "unavailable"}
    assert not OneTimeCode.objects.exists()
    assert not SmsMessage.objects.exists()
    schema = client.get("/api/schema/?format=json", HTTP_HOST="localhost").json()
    for path in ("/api/auth/otp/request/", "/api/auth/otp/verify/"):
        assert "503" in schema["paths"][path]["post"]["responses"], path


def test_checking_a_code_waits_too_and_uses_no_try(client, own_redis):
    assert _post(client, "/api/auth/otp/request/", {"mobile": MOBILE}).status_code == 202
    code = last_code()
    own_redis.stop()

    response = _post(client, "/api/auth/otp/verify/", {"mobile": MOBILE, "code": code})
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    otp = OneTimeCode.objects.get()
    assert (otp.attempts, otp.used_at) == (0, None)
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_the_login_pages_ask_to_try_again(client, own_redis):
    sent = client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="localhost")
    assert sent.status_code == 302
    code = last_code()
    own_redis.stop()

    again = client.post("/accounts/login/", {"mobile": "09351234568"}, HTTP_HOST="localhost")
    assert again.status_code == 503
    assert LOGIN_UNAVAILABLE in again.content.decode()
    assert 'name="mobile"' in again.content.decode()  # the form, to send again
    assert list(SmsMessage.objects.values_list("to", flat=True)) == [MOBILE]

    checked = client.post("/accounts/login/verify/", {"code": code}, HTTP_HOST="localhost")
    assert checked.status_code == 503
    assert checked["Retry-After"] == "10"
    assert LOGIN_UNAVAILABLE in checked.content.decode()
    assert OneTimeCode.objects.get().attempts == 0
    assert "_auth_user_id" not in client.session


def test_a_session_made_before_the_outage_lasts_through_it(client, own_redis):
    user = create_user(mobile=MOBILE)
    client.force_login(user)
    own_redis.stop()
    me = client.get("/api/auth/me/", HTTP_HOST="localhost")
    assert me.status_code == 200
    assert me.json()["mobile"] == MOBILE
    assert client.post("/api/auth/logout/", HTTP_HOST="localhost").status_code == 204
    assert client.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 401


def test_the_hub_steps_aside_while_redis_is_down(settings_hub, own_redis, agency):
    """No nonce can be kept: the hub says "not logged in here" and each host keeps its own
    login, rather than failing."""
    main_site, panel = Client(), Client()
    main_site.force_login(create_user(mobile=MOBILE))
    own_redis.stop()
    asked = panel.get("/accounts/login/?next=/", HTTP_HOST="panel.localhost")
    parts = urlsplit(asked["Location"])
    answer = main_site.get(f"{parts.path}?{parts.query}", HTTP_HOST="localhost")
    assert answer.status_code == 302
    assert urlsplit(answer["Location"]).hostname == "panel.localhost"
    assert "hub=none" in answer["Location"]
    adopt = panel.get("/accounts/hub/adopt/?nonce=anything&next=/", HTTP_HOST="panel.localhost")
    assert adopt.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in panel.cookies


@pytest.fixture
def settings_hub(settings):
    settings.LOGIN_HUB_ENABLED = True
    settings.SESSION_COOKIE_DOMAIN = None
