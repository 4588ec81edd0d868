"""`make run` loads the demo once; running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import AgencyMembership, User
from tenants.models import Agency

pytestmark = pytest.mark.django_db


def test_demo_loads_main_site_agencies_and_accounts_once():
    call_command("load_demo", verbosity=0)
    khalili = Agency.objects.get(code=685)
    assert khalili.name == "نمایندگی خلیلی"
    assert khalili.city == "تهران"
    assert khalili.status == Agency.Status.ACTIVE
    others = Agency.objects.exclude(code=685)
    assert others.count() >= 5
    assert len(set(others.values_list("city", flat=True))) == others.count()
    assert "تهران" not in set(others.values_list("city", flat=True))
    assert khalili.domains.get().domain == "ar685.localhost"
    owner = AgencyMembership.objects.get(agency=khalili, role=AgencyMembership.Role.OWNER).user
    assert owner.mobile == "09121234567"
    assert AgencyMembership.objects.filter(
        agency=khalili, role=AgencyMembership.Role.STAFF, user__mobile="09120000002"
    ).exists()
    assert User.objects.filter(mobile="09120000001").exists()
    assert User.objects.get(mobile="09120000003").insurer_role == User.InsurerRole.OPERATOR
    admin = User.objects.get(mobile="09120000000")
    assert admin.is_superuser and admin.check_password("admin12345")

    counts = (Agency.objects.count(), User.objects.count(), AgencyMembership.objects.count())
    call_command("load_demo", verbosity=0)
    assert (
        Agency.objects.count(),
        User.objects.count(),
        AgencyMembership.objects.count(),
    ) == counts


def test_demo_sites_answer(client):
    call_command("load_demo", verbosity=0)
    for agency in Agency.objects.all():
        response = client.get("/", HTTP_HOST=f"ar{agency.code}.localhost")
        assert response.status_code == 200
        assert agency.name.encode() in response.content


def test_a_new_agency_site_starts_with_persian_texts_whatever_the_callers_language():
    from django.utils import translation
    from django_tenants.utils import schema_context

    from tenants.content.models import Page, SiteSettings
    from tests.factories import create_agency

    with translation.override("en"):
        agency = create_agency(code=901, name="نمایندگی نمونه")
    with schema_context(agency.schema_name):
        assert SiteSettings.objects.get().headline == "بیمه آنلاین با نمایندگی نمونه"
        assert set(Page.objects.values_list("title", flat=True)) == {"درباره ما", "تماس با ما"}
