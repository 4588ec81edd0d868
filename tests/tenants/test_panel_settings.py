"""The agency's settings, site content and staff in its panel (S-4.3, S-4.4)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from accounts.models import AgencyMembership
from core.models import AuditLog
from policies.models import AgencyLine, Line
from tenants.content.models import Banner, Page, SiteSettings
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
MANAGEMENT_URLS = [
    "/settings/",
    "/settings/lines/",
    "/content/",
    "/content/pages/add/",
    "/content/banners/add/",
    "/staff/",
]
SETTINGS = {
    "phone": "021-22223333",
    "address": "تهران، خیابان شریعتی",
    "city": "تهران",
    "province": "تهران",
    "latitude": "35.750000",
    "longitude": "51.450000",
    "accepts_referrals": "on",
}


def real_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), "#aa3300").save(buffer, "PNG")
    return buffer.getvalue()


def member(agency, role: str) -> AgencyMembership:
    return AgencyMembership.objects.create(agency=agency, user=create_user(), role=role)


@pytest.fixture
def owner(client, agency):
    client.force_login(agency.memberships.get(role="owner").user)
    return client


def errors(response) -> list[str]:
    return re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())


def persian(texts) -> bool:
    return bool(texts) and all(re.search("[\u0600-\u06ff]", text) for text in texts)


# ---- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", MANAGEMENT_URLS)
def test_staff_members_are_refused_in_persian(client, agency, url):
    client.force_login(member(agency, "staff").user)
    response = client.get(url, HTTP_HOST=PANEL)
    assert response.status_code == 403
    assert 'id="panel-forbidden"' in response.content.decode()
    assert client.post(url, SETTINGS, HTTP_HOST=PANEL).status_code in (403, 405)


@pytest.mark.parametrize("url", MANAGEMENT_URLS)
def test_managers_may_and_anonymous_visitors_log_in_first(client, agency, url):
    assert client.get(url, HTTP_HOST=PANEL).status_code == 302
    client.force_login(member(agency, "manager").user)
    assert client.get(url, HTTP_HOST=PANEL).status_code == 200


def test_staff_do_not_see_the_management_links(client, agency):
    client.force_login(member(agency, "staff").user)
    html = client.get("/", HTTP_HOST=PANEL).content.decode()
    assert "nav-panel-offers" in html and "nav-panel-settings" not in html


# ---- settings -----------------------------------------------------------------------------


def test_settings_are_saved_and_audited(owner, agency):
    response = owner.post("/settings/", {**SETTINGS, "accepts_referrals": ""}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.phone, agency.latitude, agency.accepts_referrals) == (
        "021-22223333",
        Decimal("35.750000"),
        False,
    )
    log = AuditLog.objects.filter(action="agency.update", agency_id=agency.pk).latest("id")
    assert log.changes["accepts_referrals"] == [True, False]
    assert log.actor.mobile == "09121234567"


def test_the_issuing_right_cannot_be_changed_by_the_agency(owner, agency):
    owner.post("/settings/", {**SETTINGS, "can_issue": "on"}, HTTP_HOST=PANEL)
    agency.refresh_from_db()
    assert agency.can_issue is False


@pytest.mark.parametrize(
    "field,value", [("latitude", "48.8566"), ("longitude", "2.35"), ("latitude", "abc")]
)
def test_a_point_outside_iran_is_refused_and_nothing_changes(owner, agency, field, value):
    response = owner.post("/settings/", {**SETTINGS, field: value}, HTTP_HOST=PANEL)
    assert response.status_code == 400
    assert persian(errors(response))
    agency.refresh_from_db()
    assert agency.phone != "021-22223333"
    assert 'value="021-22223333"' in response.content.decode()  # what was typed is kept


def test_the_settings_page_has_the_map(owner):
    html = owner.get("/settings/", HTTP_HOST=PANEL).content.decode()
    assert "data-location-picker" in html and "vendor/leaflet/dist/leaflet.js" in html


def test_lines_offered_within_what_the_insurer_allows(owner, agency):
    third = Line.objects.create(code="tp", number_code=11, name="ثالث")
    travel = Line.objects.create(code="tr", number_code=12, name="مسافرتی")
    AgencyLine.objects.create(agency=agency, line=travel, allowed=False, offered=False)
    # Switch third-party off: only travel's box would be sent — and travel is not allowed.
    response = owner.post("/settings/lines/", {"offered": [str(travel.pk)]}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    assert AgencyLine.objects.get(agency=agency, line=third).offered is False
    assert AgencyLine.objects.get(agency=agency, line=travel).offered is False
    page = owner.get("/settings/lines/", HTTP_HOST=PANEL).content.decode()
    assert re.search(r'id="line-tr"[^>]*disabled', page)
    owner.post("/settings/lines/", {"offered": [str(third.pk)]}, HTTP_HOST=PANEL)
    assert AgencyLine.objects.get(agency=agency, line=third).offered is True
    assert AuditLog.objects.filter(action="agency_line.offered", agency_id=agency.pk).count() == 2


# ---- site content -------------------------------------------------------------------------


def test_site_texts_are_sanitised_and_shown_on_the_agencys_site_only(
    client, owner, agency, other_agency
):
    response = owner.post(
        "/content/",
        {
            "headline": "بیمه با خیال راحت",
            "about_text": '<p>از ۱۳۸۰</p><script>alert("x")</script><a href="javascript:evil()">x</a>',
            "contact_text": "<b>تلفن</b>",
            "primary_color": "#AA3300",
            "secondary_color": "#112233",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with schema_context(agency.schema_name):
        stored = SiteSettings.objects.get()
    assert "<script" not in stored.about_text and "javascript:" not in stored.about_text
    assert stored.primary_color == "#aa3300"
    site = client.get("/", HTTP_HOST="ar685.localhost").content.decode()
    assert "<p>از ۱۳۸۰</p>" in site and "<b>تلفن</b>" in site and 'alert("x")' not in site
    assert "--site-primary: #aa3300" in site
    assert "بیمه با خیال راحت" not in client.get("/", HTTP_HOST="ar686.localhost").content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"primary_color": "red"},
        {"primary_color": "#12345"},
        {"logo": SimpleUploadedFile("logo.png", b"MZ\x90\x00 not an image")},
        {"logo": SimpleUploadedFile("logo.exe", PNG)},
        {"logo": SimpleUploadedFile("logo.png", PNG + b"\x00" * (1024 * 1024))},
    ],
)
def test_bad_colours_and_logos_are_refused_in_persian(owner, agency, changes):
    data = {"headline": "x", "primary_color": "#000000", "secondary_color": "#ffffff", **changes}
    response = owner.post("/content/", data, HTTP_HOST=PANEL)
    assert response.status_code == 400
    assert persian(errors(response))
    with schema_context(agency.schema_name):
        assert SiteSettings.objects.get().headline != "x"


def test_a_logo_is_stored_and_shown(client, owner, agency):
    logo = SimpleUploadedFile("logo.png", PNG)
    data = {"headline": "h", "primary_color": "#000000", "secondary_color": "#ffffff", "logo": logo}
    assert owner.post("/content/", data, HTTP_HOST=PANEL).status_code == 302
    assert 'id="site-logo"' in client.get("/", HTTP_HOST="ar685.localhost").content.decode()


def test_pages_are_added_sanitised_edited_and_deleted(client, owner, agency):
    response = owner.post(
        "/content/pages/add/",
        {
            "title": "خدمات ما",
            "slug": "services",
            "body": '<h2>بدنه</h2><img src=x onerror="alert(1)"><p onclick="x()">متن</p>',
            "is_published": "on",
            "position": "3",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with schema_context(agency.schema_name):
        page = Page.objects.get(slug="services")
    assert (
        "onerror" not in page.body and "onclick" not in page.body and "<h2>بدنه</h2>" in page.body
    )
    shown = client.get("/p/services/", HTTP_HOST="ar685.localhost").content.decode()
    assert "<h2>بدنه</h2>" in shown and "onerror" not in shown
    assert client.get("/p/services/", HTTP_HOST="ar686.localhost").status_code == 404
    owner.post(
        f"/content/pages/{page.pk}/",
        {"title": "خدمات", "slug": "services", "body": "", "position": "1"},
        HTTP_HOST=PANEL,
    )
    assert client.get("/p/services/", HTTP_HOST="ar685.localhost").status_code == 404  # unpublished
    owner.post(f"/content/pages/{page.pk}/delete/", HTTP_HOST=PANEL)
    with schema_context(agency.schema_name):
        assert not Page.objects.filter(slug="services").exists()
    assert AuditLog.objects.filter(action="content.page.delete", agency_id=agency.pk).exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example", "http://plain.example"])
def test_banner_links_must_be_local_or_https(owner, agency, link):
    response = owner.post(
        "/content/banners/add/",
        {"title": "جشنواره", "link": link, "is_active": "on", "position": "0"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 400 and persian(errors(response))
    with schema_context(agency.schema_name):
        assert not Banner.objects.filter(title="جشنواره").exists()


def test_a_banner_with_an_image_appears_on_the_site(client, owner, agency):
    response = owner.post(
        "/content/banners/add/",
        {
            "title": "تخفیف پاییزه",
            "link": "/insurance/",
            "is_active": "on",
            "position": "0",
            "image": SimpleUploadedFile("b.png", real_png()),
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    site = client.get("/", HTTP_HOST="ar685.localhost").content.decode()
    assert "تخفیف پاییزه" in site and 'href="/insurance/"' in site


# ---- staff --------------------------------------------------------------------------------


def test_an_owner_adds_staff_by_mobile(owner, agency):
    response = owner.post("/staff/", {"mobile": "۰۹۳۵۱۱۱۲۲۳۳", "role": "staff"}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    added = agency.memberships.get(user__mobile="09351112233")
    assert added.role == "staff" and added.is_active
    assert AuditLog.objects.filter(action="membership.add", agency_id=agency.pk).exists()
    again = owner.post("/staff/", {"mobile": "09351112233", "role": "manager"}, HTTP_HOST=PANEL)
    assert again.status_code == 400 and persian(errors(again))


def test_a_manager_cannot_make_or_touch_owners(client, agency):
    manager = member(agency, "manager")
    client.force_login(manager.user)
    response = client.post("/staff/", {"mobile": "09351112244", "role": "owner"}, HTTP_HOST=PANEL)
    assert response.status_code == 400
    assert not agency.memberships.filter(user__mobile="09351112244").exists()
    the_owner = agency.memberships.get(role="owner")
    client.post(f"/staff/{the_owner.pk}/role/", {"role": "staff"}, HTTP_HOST=PANEL)
    client.post(f"/staff/{the_owner.pk}/active/", {"active": "0"}, HTTP_HOST=PANEL)
    the_owner.refresh_from_db()
    assert (the_owner.role, the_owner.is_active) == ("owner", True)
    clerk = member(agency, "staff")
    client.post(f"/staff/{clerk.pk}/role/", {"role": "manager"}, HTTP_HOST=PANEL)
    clerk.refresh_from_db()
    assert clerk.role == "manager"


def test_nobody_takes_themselves_off_and_the_last_owner_stays(owner, agency):
    me = agency.memberships.get(role="owner")
    owner.post(f"/staff/{me.pk}/active/", {"active": "0"}, HTTP_HOST=PANEL)
    owner.post(f"/staff/{me.pk}/role/", {"role": "staff"}, HTTP_HOST=PANEL)
    me.refresh_from_db()
    assert (me.role, me.is_active) == ("owner", True)
    second = member(agency, "owner")
    owner.post(f"/staff/{second.pk}/role/", {"role": "manager"}, HTTP_HOST=PANEL)
    second.refresh_from_db()
    assert second.role == "manager"


def test_a_deactivated_member_is_locked_out(client, owner, agency):
    clerk = member(agency, "staff")
    owner.post(f"/staff/{clerk.pk}/active/", {"active": "0"}, HTTP_HOST=PANEL)
    clerk.refresh_from_db()
    assert clerk.is_active is False
    client.force_login(clerk.user)
    assert client.get("/", HTTP_HOST=PANEL).status_code == 404
    assert client.get("/sales/", HTTP_HOST=PANEL).status_code == 404


def test_another_agencys_members_are_404(client, agency, other_agency):
    stranger = other_agency.memberships.get()
    client.force_login(agency.memberships.get(role="owner").user)
    assert (
        client.post(f"/staff/{stranger.pk}/active/", {"active": "0"}, HTTP_HOST=PANEL).status_code
        == 404
    )
    stranger.refresh_from_db()
    assert stranger.is_active
