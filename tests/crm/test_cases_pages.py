"""The cases pages in the panel: lists by role with filters and pages, a case with its
activities and files, the Jalali calendar, complaints, claims and gifts from the customer;
another agency's ids and another member's rows are 404; query counts stay constant."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.models import AgencyMembership
from core.jalali import JALALI_MONTHS, format_jalali_date, tehran, to_jalali
from crm.models import Activity, Attachment, Case, ClaimRecord, Complaint, Gift
from crm.services import cases as case_services
from crm.services.customers import customer_create
from tests.crm.conftest import inside
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


def _png(name: str = "scan.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def customer(agency, owner):
    with inside(agency):
        return customer_create(agency=agency, actor=owner, first_name="مریم", last_name="کاظمی")


@pytest.fixture
def staff_client(client, staff_member):
    client.force_login(staff_member.user)
    return client


def _get(client, path, **params):
    return client.get(path, params, HTTP_HOST=PANEL)


def _post(client, path, data):
    return client.post(path, data, HTTP_HOST=PANEL)


def _jalali(day: dt.date) -> str:
    return format_jalali_date(day, persian_digits=False)


def test_a_staff_member_opens_a_case_adds_an_activity_and_sees_it_everywhere(
    agency, staff_client, staff_member, customer
):
    today = timezone.localdate(timezone=tehran())
    response = _post(
        staff_client,
        f"/cases/customer/{customer.pk}/new/",
        {
            "kind": "sale",
            "title": "فروش بیمه بدنه",
            "assignee": str(staff_member.user_id),
            "due_date": _jalali(today + dt.timedelta(days=3)),
            "due_time": "۱۰:۳۰",
            "priority": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with inside(agency):
        case = Case.objects.get()
    assert case.customer_id == customer.pk and case.assignee_user_id == staff_member.user_id
    assert timezone.localtime(case.due_at, tehran()).time() == dt.time(10, 30)
    response = _post(
        staff_client,
        f"/cases/{case.pk}/activities/",
        {
            "kind": "call",
            "subject": "تماس پیگیری",
            "assignee": "",
            "due_date": _jalali(today),
            "due_time": "23:59",
            "remind_date": _jalali(today),
            "remind_time": "00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with inside(agency):
        activity = Activity.objects.get()
    assert activity.assignee_user_id == staff_member.user_id
    page = _get(staff_client, f"/cases/{case.pk}/").content.decode()
    assert "تماس پیگیری" in page and "فروش بیمه بدنه" in page
    calendar = _get(staff_client, "/cases/calendar/").content.decode()
    assert "تماس پیگیری" in calendar and "فروش بیمه بدنه" in calendar
    month = to_jalali(today)
    assert JALALI_MONTHS[month.month - 1] in calendar
    dashboard = _get(staff_client, "/").content.decode()
    assert 'id="card-crm_my_activities" data-value="1 / 0"' in dashboard
    assert "۱ / ۰" in dashboard


def test_staff_see_only_what_is_assigned_to_them(agency, owner, client, staff_member):
    with inside(agency):
        mine = Case.objects.create(
            kind="sale", title="پرونده من", assignee_user_id=staff_member.user_id
        )
        theirs = Case.objects.create(kind="sale", title="پرونده دیگری", assignee_user_id=owner.pk)
        their_activity = Activity.objects.create(
            case=theirs, kind="call", subject="تماس دیگری", assignee_user_id=owner.pk
        )
    client.force_login(staff_member.user)
    page = _get(client, "/cases/", scope="all").content.decode()
    assert "پرونده من" in page and "پرونده دیگری" not in page
    assert _get(client, f"/cases/{theirs.pk}/").status_code == 404
    assert _post(client, f"/cases/activities/{their_activity.pk}/done/", {}).status_code == 404
    assert _get(client, f"/cases/{mine.pk}/").status_code == 200
    client.force_login(owner)
    page = _get(client, "/cases/", scope="all").content.decode()
    assert "پرونده من" in page and "پرونده دیگری" in page
    mine_only = _get(client, "/cases/").content.decode()
    assert "پرونده دیگری" in mine_only and "پرونده من" not in mine_only


def test_filters_by_kind_state_assignee_and_due_range(agency, owner, client, staff_member):
    now = timezone.now()
    with inside(agency):
        Case.objects.create(kind="sale", title="فروش زود", due_at=now, assignee_user_id=owner.pk)
        Case.objects.create(
            kind="sale",
            title="فروش دیر",
            due_at=now + dt.timedelta(days=40),
            assignee_user_id=owner.pk,
        )
        Case.objects.create(
            kind="meeting", title="نشست-یک", due_at=now, assignee_user_id=staff_member.user_id
        )
        Case.objects.create(kind="sale", title="فروش بسته", state="done", assignee_user_id=owner.pk)
    client.force_login(owner)
    today = timezone.localdate(timezone=tehran())
    page = _get(
        client,
        "/cases/",
        scope="all",
        kind="sale",
        state="open",
        due_from=_jalali(today - dt.timedelta(days=1)),
        due_to=_jalali(today + dt.timedelta(days=1)),
    ).content.decode()
    assert "فروش زود" in page
    assert "فروش دیر" not in page and "نشست-یک" not in page and "فروش بسته" not in page
    page = _get(
        client, "/cases/", scope="all", assignee=str(staff_member.user_id), state=""
    ).content.decode()
    assert "نشست-یک" in page and "فروش زود" not in page
    page = _get(client, "/cases/", scope="all", state="done").content.decode()
    assert "فروش بسته" in page and "فروش زود" not in page


def _make_cases(agency, owner, staff_member, count: int) -> None:
    with inside(agency):
        customer = customer_create(
            agency=agency,
            actor=owner,
            first_name="نفر",
            last_name=f"شماره {Case.objects.count()}",
            allow_duplicates=True,
        )
        for index in range(count):
            case = Case.objects.create(
                kind="sale",
                title=f"پرونده {index}",
                customer=customer,
                assignee_user_id=staff_member.user_id if index % 2 else owner.pk,
                due_at=timezone.now() + dt.timedelta(hours=index),
            )
            Activity.objects.create(
                case=case,
                kind="call",
                subject=f"تماس {index}",
                assignee_user_id=case.assignee_user_id,
                due_at=timezone.now() + dt.timedelta(hours=index),
            )
            Complaint.objects.create(
                customer=customer,
                subject=f"شکایت {index}",
                text="متن",
                referred_to_user_id=owner.pk,
            )


def _queries(client, path, **params) -> int:
    _get(client, path, **params)  # the session's first touch is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, path, **params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path,params",
    [
        ("/cases/", {"scope": "all"}),
        ("/cases/", {}),
        ("/cases/calendar/", {"who": "all"}),
        ("/cases/complaints/", {}),
        ("/", {}),
    ],
)
def test_list_pages_cost_the_same_queries_with_more_rows(
    agency, owner, client, staff_member, path, params
):
    client.force_login(owner)
    _make_cases(agency, owner, staff_member, 2)
    few = _queries(client, path, **params)
    _make_cases(agency, owner, staff_member, 20)
    many = _queries(client, path, **params)
    assert many == few
    assert many <= 25


def test_a_case_page_costs_the_same_queries_with_more_activities(agency, owner, client):
    client.force_login(owner)
    with inside(agency):
        case = Case.objects.create(kind="sale", title="پرونده", assignee_user_id=owner.pk)

        def add(count):
            for index in range(count):
                activity = Activity.objects.create(
                    case=case, kind="call", subject=f"تماس {index}", assignee_user_id=owner.pk
                )
                Attachment.objects.create(
                    case=case,
                    activity=activity,
                    file="crm/x/y.png",
                    content_type="image/png",
                    size=1,
                    original_name="y.png",
                    uploaded_by_user_id=owner.pk,
                )

        add(1)
    few = _queries(client, f"/cases/{case.pk}/")
    with inside(agency):
        add(15)
    assert _queries(client, f"/cases/{case.pk}/") == few


def test_pages_split_the_list(agency, owner, client, staff_member):
    client.force_login(owner)
    _make_cases(agency, owner, staff_member, 30)
    first = _get(client, "/cases/", scope="all").content.decode()
    second = _get(client, "/cases/", scope="all", page="2").content.decode()
    assert "scope=all&amp;page=2" in first
    rows = re.compile(r'id="case-[0-9]')
    assert len(rows.findall(first)) == 25 and len(rows.findall(second)) == 5


def test_a_file_is_opened_only_by_who_may_see_its_case(
    agency, other_agency, owner, client, staff_member
):
    with inside(agency):
        case = case_services.case_create(
            agency=agency, actor=owner, kind="sale", title="پرونده", assignee_user_id=owner.pk
        )
        attachment = case_services.attachment_add(
            agency=agency, actor=owner, case=case, uploaded=_png()
        )
    client.force_login(owner)
    response = _get(client, f"/cases/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(staff_member.user)
    assert _get(client, f"/cases/files/{attachment.pk}/").status_code == 404
    client.force_login(other_agency.memberships.get().user)
    assert _get(client, f"/cases/files/{attachment.pk}/").status_code == 404
    client.logout()
    assert _get(client, f"/cases/files/{attachment.pk}/").status_code == 302


def test_upload_through_the_page(agency, owner, client):
    client.force_login(owner)
    with inside(agency):
        case = Case.objects.create(kind="sale", title="پرونده", assignee_user_id=owner.pk)
    response = client.post(f"/cases/{case.pk}/files/", {"file": _png()}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    bad = SimpleUploadedFile("a.pdf", b"<html></html>", content_type="application/pdf")
    response = client.post(f"/cases/{case.pk}/files/", {"file": bad}, HTTP_HOST=PANEL)
    assert response.status_code == 400
    with inside(agency):
        assert Attachment.objects.count() == 1


def test_complaint_claim_and_gift_from_the_customer(agency, owner, client, staff_member, customer):
    client.force_login(owner)
    response = _post(
        client, f"/cases/customer/{customer.pk}/complaint/", {"subject": "تاخیر", "text": "دیر شد"}
    )
    assert response.status_code == 302
    with inside(agency):
        complaint = Complaint.objects.get()
    assert (
        _post(
            client,
            f"/cases/complaints/{complaint.pk}/refer/",
            {"referred_to": str(staff_member.user_id)},
        ).status_code
        == 302
    )
    client.force_login(staff_member.user)
    assert "تاخیر" in _get(client, "/cases/complaints/").content.decode()
    assert (
        _post(
            client, f"/cases/complaints/{complaint.pk}/resolve/", {"result": "حل شد", "upheld": "1"}
        ).status_code
        == 302
    )
    response = _post(
        client,
        f"/cases/customer/{customer.pk}/claim/",
        {
            "filed_at": "۱۴۰۵/۰۸/۰۱",
            "state": "paid",
            "paid_amount": "۱۲٬۰۰۰٬۰۰۰",
            "paid_at": "1405/08/10",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = _post(
        client, f"/cases/customer/{customer.pk}/gift/", {"kind": "سالنامه", "planned_for": ""}
    )
    assert response.status_code == 302
    with inside(agency):
        complaint.refresh_from_db()
        claim = ClaimRecord.objects.get()
        gift = Gift.objects.get()
    assert complaint.state == "resolved"
    assert claim.paid_amount == 12_000_000 and claim.paid_at == dt.date(2026, 11, 1)
    assert _post(client, f"/cases/gifts/{gift.pk}/give/", {}).status_code == 302
    assert (
        _post(
            client, f"/cases/gifts/{gift.pk}/response/", {"response": "positive", "note": ""}
        ).status_code
        == 302
    )
    page = _get(client, f"/cases/customer/{customer.pk}/care/").content.decode()
    assert "سالنامه" in page and "۱۲٬۰۰۰٬۰۰۰" in page or "۱۲,۰۰۰,۰۰۰" in page


def test_a_closed_case_refuses_an_activity_through_the_page(agency, owner, client):
    client.force_login(owner)
    with inside(agency):
        case = Case.objects.create(
            kind="sale", title="پرونده", assignee_user_id=owner.pk, state="done"
        )
    response = _post(client, f"/cases/{case.pk}/activities/", {"kind": "call", "subject": "x"})
    assert response.status_code == 302
    with inside(agency):
        assert not Activity.objects.exists()
    assert "بسته شده" in _get(client, f"/cases/{case.pk}/").content.decode()


def test_agency_b_gets_404_for_every_id_of_agency_a(agency, other_agency, owner, client, customer):
    with inside(agency):
        case = case_services.case_create(agency=agency, actor=owner, kind="sale", title="SECRET-A")
        activity = Activity.objects.create(case=case, kind="call", subject="SECRET-A")
        attachment = case_services.attachment_add(
            agency=agency, actor=owner, case=case, uploaded=_png()
        )
        complaint = Complaint.objects.create(customer=customer, subject="SECRET-A", text="x")
        claim = ClaimRecord.objects.create(customer=customer, filed_at=dt.date(2026, 1, 1))
        gift = Gift.objects.create(customer=customer, kind="SECRET-A")
    ids = {
        "case_id": case.pk,
        "activity_id": activity.pk,
        "attachment_id": attachment.pk,
        "complaint_id": complaint.pk,
        "claim_id": claim.pk,
        "gift_id": gift.pk,
        "customer_id": customer.pk,
    }
    from django.urls import get_resolver

    resolver = get_resolver("config.urls_panel")
    routes = [
        str(pattern.pattern)
        for mount in resolver.url_patterns
        if str(getattr(mount, "pattern", "")) == "cases/"
        for pattern in mount.url_patterns
    ]
    assert len(routes) >= 25
    owner_b = other_agency.memberships.get().user
    client.force_login(owner_b)
    walked = 0
    for route in routes:
        if "<" not in route:
            continue
        path = "/cases/" + route
        for name, value in ids.items():
            path = path.replace(f"<int:{name}>", str(value))
        for method in ("get", "post"):
            response = getattr(client, method)(path, HTTP_HOST=PANEL)
            assert response.status_code in (404, 405), f"{method} {path}: {response.status_code}"
            assert "SECRET-A" not in response.content.decode(errors="ignore")
        walked += 1
    assert walked >= 20
    # Agency A's own owner reaches them.
    client.force_login(owner)
    assert _get(client, f"/cases/{case.pk}/").status_code == 200
    assert AgencyMembership.objects.filter(agency=other_agency).count() == 1
    assert create_user  # imported for symmetry with other CRM tests


def test_staff_reach_a_case_through_an_activity_given_to_them(agency, owner, client, staff_member):
    with inside(agency):
        case = case_services.case_create(
            agency=agency, actor=owner, kind="meeting", title="جلسه مدیر", assignee_user_id=owner.pk
        )
        activity = case_services.activity_create(
            agency=agency,
            actor=owner,
            case=case,
            kind="task",
            subject="آماده کردن گزارش",
            assignee_user_id=staff_member.user_id,
        )
        attachment = case_services.attachment_add(
            agency=agency, actor=owner, case=case, uploaded=_png()
        )
    client.force_login(staff_member.user)
    assert "آماده کردن گزارش" in _get(client, f"/cases/{case.pk}/").content.decode()
    assert _get(client, f"/cases/files/{attachment.pk}/").status_code == 200
    done = _post(client, f"/cases/activities/{activity.pk}/done/", {"result": "فرستاده شد"})
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.pk}/"
    # Not in their "my cases" list: it is the owner's case.
    assert "جلسه مدیر" not in _get(client, "/cases/").content.decode()


def test_referring_complaints_and_planning_by_rank_are_for_owners_and_managers(
    agency, owner, client, staff_member, customer
):
    with inside(agency):
        complaint = Complaint.objects.create(customer=customer, subject="دیر", text="دیر")
    client.force_login(staff_member.user)
    refer = {"referred_to": str(staff_member.user_id)}
    assert _post(client, f"/cases/complaints/{complaint.pk}/refer/", refer).status_code == 403
    assert _get(client, "/cases/gifts/plan/").status_code == 403
    client.force_login(owner)
    assert _get(client, "/cases/gifts/plan/").status_code == 200
    response = _post(client, "/cases/gifts/plan/", {"band": "A", "kind": "سالنامه"})
    assert response.status_code == 302
    assert _post(client, f"/cases/complaints/{complaint.pk}/refer/", refer).status_code == 302


def test_the_card_sections_render_from_the_card_without_queries(
    agency, owner, staff_member, customer
):
    from django.template.loader import render_to_string
    from django.urls import set_urlconf

    from crm.selectors.card import customer_card

    with inside(agency):
        case = Case.objects.create(
            kind="sale", title="پرونده کارت", customer=customer, assignee_user_id=owner.pk
        )
        Activity.objects.create(
            case=case, kind="call", subject="تماس کارت", assignee_user_id=owner.pk
        )
        Complaint.objects.create(
            customer=customer, subject="شکایت کارت", text="x", referred_to_user_id=owner.pk
        )
        ClaimRecord.objects.create(customer=customer, number="C-1", filed_at=dt.date(2026, 1, 1))
        Gift.objects.create(customer=customer, kind="هدیه کارت")
        card = customer_card(customer_id=customer.pk)
        context = {
            "customer": card.customer,
            "cases": card.cases,
            "activities": card.activities,
            "complaints": card.complaints,
            "claims": card.claims,
            "gifts": card.gifts,
            "user_names": card.user_names,
        }
        set_urlconf("config.urls_panel")  # the card is a panel page
        try:
            with CaptureQueriesContext(connection) as queries:
                html = "".join(
                    render_to_string(f"crm/cases/_card_{part}.html", context)
                    for part in ("cases", "complaints", "claims", "gifts")
                )
        finally:
            set_urlconf(None)
    assert len(queries) == 0
    for text in (
        "پرونده کارت",
        "تماس کارت",
        "شکایت کارت",
        "هدیه کارت",
        f"/cases/customer/{customer.pk}/",
    ):
        assert text in html
    assert card.user_names[owner.pk] in html


def test_every_page_opens_for_the_owner_in_persian(agency, owner, client, customer):
    with inside(agency):
        case = case_services.case_create(
            agency=agency, actor=owner, kind="sale", title="پرونده", customer=customer
        )
        activity = case_services.activity_create(
            agency=agency,
            actor=owner,
            case=case,
            kind="call",
            subject="تماس",
            due_at=timezone.now() + dt.timedelta(days=1),
            remind_at=timezone.now(),
        )
        complaint = Complaint.objects.create(customer=customer, subject="دیر", text="دیر")
        claim = ClaimRecord.objects.create(customer=customer, filed_at=dt.date(2026, 1, 1))
        gift = Gift.objects.create(
            customer=customer, kind="سالنامه", state="given", given_at=dt.date(2026, 1, 2)
        )
    client.force_login(owner)
    paths = [
        "/cases/",
        "/cases/new/",
        "/cases/calendar/",
        "/cases/calendar/?month=1405-12",
        "/cases/calendar/?month=bad",
        "/cases/due-badge/",
        f"/cases/{case.pk}/",
        f"/cases/activities/{activity.pk}/move/",
        "/cases/complaints/",
        f"/cases/complaints/{complaint.pk}/",
        f"/cases/claims/{claim.pk}/",
        "/cases/gifts/plan/",
        f"/cases/gifts/{gift.pk}/response/",
        f"/cases/customer/{customer.pk}/new/",
        f"/cases/customer/{customer.pk}/complaint/",
        f"/cases/customer/{customer.pk}/care/",
        f"/cases/customer/{customer.pk}/claim/",
        f"/cases/customer/{customer.pk}/gift/",
    ]
    for path in paths:
        response = client.get(path, HTTP_HOST=PANEL)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "UTC" not in body and "case_id" not in body, path
    moved = _post(
        client,
        f"/cases/activities/{activity.pk}/move/",
        {
            "due_date": "۱۴۰۶/۰۱/۱۵",
            "due_time": "۱۰:۰۰",
            "remind_date": "1406/01/15",
            "remind_time": "9:00",
        },
    )
    assert moved.status_code == 302
    with inside(agency):
        activity.refresh_from_db()
    local = timezone.localtime(activity.due_at, tehran())
    assert (local.date(), local.time()) == (
        dt.date(2027, 4, 4),
        dt.time(10),
    )
    bad = _post(client, f"/cases/activities/{activity.pk}/move/", {"due_time": "25:00"})
    assert bad.status_code == 400
    assert "ساعت را به شکل" in bad.content.decode()
