"""A person's name in one spelling, found in any (decision 020)."""

from __future__ import annotations

import pytest

from accounts.models import User
from core.models import AuditLog
from tests.factories import create_user

pytestmark = pytest.mark.django_db

RLM, ZWNJ = "\u200f", "\u200c"


def test_the_profile_stores_names_in_one_spelling(client):
    person = create_user(mobile="09351234567")
    client.force_login(person)
    response = client.post(
        "/accounts/profile/",
        {
            "first_name": f"{RLM}علي{ZWNJ}{ZWNJ}رضا ",
            "last_name": "كاظمي   نيا",
            "national_code": "",
            "birth_date": f"{RLM}۱۳۷۰/۰۱/۳۱",
            "email": "",
        },
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == (f"علی{ZWNJ}رضا", "کاظمی نیا")
    # The audit row holds what is stored, not what was typed.
    changes = AuditLog.objects.get(target_id=str(person.pk)).changes
    assert changes["first_name"][1] == f"علی{ZWNJ}رضا"


def test_a_code_pasted_with_direction_marks_is_read(client):
    from tests.accounts.conftest import last_code

    client.post("/accounts/login/", {"mobile": "09121230000"}, HTTP_HOST="localhost")
    code = last_code("09121230000")
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = client.post(
        "/accounts/login/verify/", {"code": f"{RLM}{persian}{RLM}"}, HTTP_HOST="localhost"
    )
    assert response.status_code == 302
    assert User.objects.filter(mobile="09121230000").exists()


@pytest.mark.parametrize("query", ["علي", "كاظمي", "علی کاظمی", "۰۹۱۲۴۴۴", f"{RLM}0499370899"])
def test_the_user_admin_search_finds_any_spelling(client, query):
    found = create_user(
        first_name="علی", last_name="کاظمی", mobile="09124445566", national_code="0499370899"
    )
    other = create_user(first_name="رضا", last_name="نوری", mobile="09350001122")
    client.force_login(create_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/accounts/user/", {"q": query}, HTTP_HOST="ops.localhost")
    html = page.content.decode()
    assert f"/admin/accounts/user/{found.pk}/change/" in html
    assert f"/admin/accounts/user/{other.pk}/change/" not in html
