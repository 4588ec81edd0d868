"""The e-policy PDF: Persian, Vazirmatn, verification code and QR; rendered once; who may download."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest
from django.core.cache import cache

from accounts.models import User
from core.digits import to_persian_digits
from core.models import SmsMessage
from policies.models import Order, Policy, SalesEvent
from policies.services.documents import (
    VERIFY_LIMIT_PER_IP,
    policy_pdf_bytes,
    policy_pdf_render,
)
from policies.services.issuance import policy_issue
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings):
    """Where stored PDFs go (a folder of the test: tests/conftest.py)."""
    return Path(settings.PRIVATE_MEDIA_ROOT)


@pytest.fixture
def operator(db):
    return create_user(insurer_role=User.InsurerRole.OPERATOR)


@pytest.fixture
def issued(catalog, agency, operator, customer, django_capture_on_commit_callbacks):
    """Third-party policy sold on ar685 and issued by the virtual branch... or the agency."""
    from policies.models import Line, TariffVersion

    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status="active")
    order = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")
    order.details = {
        "plate_number": "12ب345-67",
        "chassis_number": "NAS12345678",
        "engine_number": "M1234567",
    }
    order.save()
    agency.can_issue = False
    agency.save()
    with django_capture_on_commit_callbacks(execute=False):
        policy = policy_issue(order=order, actor=operator)
    return policy


def _text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_persian_with_vazirmatn_the_code_and_a_qr(issued):
    content = policy_pdf_bytes(policy=issued)
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Vazirmatn" in name for name in fonts), fonts
    text = _text(content)
    assert issued.verification_code in text
    # Persian digits in the document (text extraction may give a right-to-left run reversed).
    number = to_persian_digits(issued.number)
    assert number in text or number[::-1] in text
    assert re.search(r"[\u0600-\u06FF]{3,}", text)  # Persian words
    assert "<svg" not in text  # the QR is drawn, not printed as text


def test_rendering_twice_stores_one_file_and_sends_one_sms(
    issued, settings, private_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert policy_pdf_render(policy_id=issued.pk) is True
        assert policy_pdf_render(policy_id=issued.pk) is False
    issued.refresh_from_db()
    # In private storage, under a random name: nothing printed on the policy leads to it.
    assert re.fullmatch(
        rf"policies/ar685/{issued.jalali_year}/[0-9a-f]{{32}}\.pdf", issued.pdf.name
    )
    assert issued.verification_code not in issued.pdf.name
    assert [p.relative_to(private_root).as_posix() for p in private_root.rglob("*.pdf")] == [
        issued.pdf.name
    ]
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*"))
    assert issued.pdf_rendered_at is not None
    sms = SmsMessage.objects.filter(kind="policy_issued")
    assert sms.count() == 1
    assert issued.number in sms.get().body
    assert "ar685.localhost" in sms.get().body  # the link points to the selling site


def _download(client, user, policy, host="ar685.localhost"):
    if user is not None:
        client.force_login(user)
    return client.get(f"/policies/{policy.number}/pdf/", HTTP_HOST=host)


def test_download_rights(client, issued, agency, other_agency, customer):
    response = _download(client, customer, issued)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert SalesEvent.objects.filter(event="pdf_downloaded", order=issued.order).count() == 1
    client.logout()
    owner = agency.memberships.get().user
    assert _download(client, owner, issued).status_code == 200
    client.logout()
    stranger = create_user()
    assert _download(client, stranger, issued).status_code == 404
    client.logout()
    other_owner = other_agency.memberships.get().user
    assert _download(client, other_owner, issued).status_code == 404
    client.logout()
    # On another agency's site or the main site the policy does not exist.
    assert _download(client, customer, issued, host="ar686.localhost").status_code == 404
    assert _download(client, None, issued, host="localhost").status_code == 404
    client.logout()
    assert _download(client, None, issued).status_code == 302  # anonymous: log in first


def test_verification_page_shows_validity_and_nothing_personal(client, issued):
    response = client.get(f"/verify/{issued.verification_code}/", HTTP_HOST="localhost")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-validity="valid"' in body
    assert issued.line.name in body
    order = issued.order
    for secret in (
        order.insured_first_name,
        order.insured_last_name,
        order.insured_national_code,
        issued.customer.mobile,
    ):
        assert secret not in body
    assert "65,314,000" not in body and "۶۵٬۳۱۴٬۰۰۰" not in body


def test_unknown_code_is_404_and_guessing_is_throttled(client):
    assert client.get("/verify/ZZZZZZZZZZ/", HTTP_HOST="localhost").status_code == 404
    cache.clear()
    statuses = [
        client.get(f"/verify/AAAA{n:06d}/", HTTP_HOST="localhost").status_code
        for n in range(VERIFY_LIMIT_PER_IP + 1)
    ]
    assert statuses[:-1] == [404] * VERIFY_LIMIT_PER_IP
    assert statuses[-1] == 429


def test_a_cancelled_policy_is_not_confirmed(client, issued):
    Policy.objects.filter(pk=issued.pk).update(state=Policy.State.CANCELLED)
    body = client.get(
        f"/verify/{issued.verification_code}/", HTTP_HOST="localhost"
    ).content.decode()
    assert 'data-validity="cancelled"' in body
    assert Order.objects.get(pk=issued.order_id).state == "issued"


def test_insurer_staff_may_download_and_a_missing_file_is_rendered_again(client, issued, operator):
    Policy.objects.filter(pk=issued.pk).update(pdf="policies/ar685/1405/gone.pdf")
    client.force_login(operator)
    response = client.get(f"/policies/{issued.number}/pdf/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="policy-{issued.number}.pdf"'
    event = SalesEvent.objects.get(event="pdf_downloaded", order=issued.order)
    assert event.actor == operator


def test_the_verification_page_names_the_issuer_not_the_seller(client, issued, agency):
    # Sold by agency 685, issued by the virtual branch (the agency may not issue).
    assert issued.issued_by_virtual_branch is True
    body = client.get(
        f"/verify/{issued.verification_code}/", HTTP_HOST="localhost"
    ).content.decode()
    assert "شعبه مجازی" in body
    assert agency.name not in body
    Policy.objects.filter(pk=issued.pk).update(issued_by_virtual_branch=False)
    body = client.get(
        f"/verify/{issued.verification_code}/", HTTP_HOST="localhost"
    ).content.decode()
    assert agency.name in body
    assert "شعبه مجازی" not in body


def test_the_form_accepts_a_code_as_typed(client, issued):
    code = "AB23CD45EF"
    Policy.objects.filter(pk=issued.pk).update(verification_code=code)
    typed = f" {code[:5].lower()}/{code[5:]} "  # lower case, a slash and spaces
    response = client.get("/verify/", {"code": typed}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{code[:5].lower()}{code[5:]}/"
    assert client.get(response["Location"], HTTP_HOST="localhost").status_code == 200
    assert client.get("/verify/", {"code": " / "}, HTTP_HOST="localhost").status_code == 200
    # Persian digits typed for the code's digits.
    persian = to_persian_digits(code)
    assert client.get(f"/verify/{persian}/", HTTP_HOST="localhost").status_code == 200


def test_validity_follows_the_dates(issued):
    from policies.services.documents import policy_validity

    start, end = issued.start_date, issued.end_date
    day = dt.timedelta(days=1)
    assert policy_validity(policy=issued, today=start - day) == "not_started"
    assert policy_validity(policy=issued, today=start) == "valid"
    assert policy_validity(policy=issued, today=end) == "valid"
    assert policy_validity(policy=issued, today=end + day) == "expired"


def test_the_throttle_counts_per_address(client):
    cache.clear()
    for n in range(VERIFY_LIMIT_PER_IP + 1):
        client.get(f"/verify/AAAA{n:06d}/", HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.1")
    assert (
        client.get("/verify/AAAA000000/", HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.1").status_code
        == 429
    )
    assert (
        client.get("/verify/AAAA000000/", HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.2").status_code
        == 404
    )


def test_the_font_folder_is_removed():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from core.pdf import FONT_DIR, _font_folder_remove

    fonts = FontConfiguration()
    font = (FONT_DIR / "Vazirmatn-Regular.ttf").as_uri()
    CSS(string=f"@font-face {{ font-family: X; src: url('{font}'); }}", font_config=fonts)
    folder = fonts._folder
    assert folder is not None and folder.exists()
    _font_folder_remove(fonts)
    assert not folder.exists()
    assert fonts._folder is None


def test_the_renderer_fetches_nothing_from_the_network():
    from core.pdf import FONT_DIR, _fetcher

    fetch = _fetcher()
    for url in ("https://example.com/a.css", "http://192.0.2.1/font.ttf"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetch(url)
    assert fetch((FONT_DIR / "Vazirmatn-Regular.ttf").as_uri()) is not None


def test_the_task_renders_once_and_retries_only_on_os_errors(
    issued, private_root, django_capture_on_commit_callbacks
):
    from policies.tasks import policy_pdf_render as task

    assert task.acks_late is True
    assert task.autoretry_for == (OSError,)
    assert task.max_retries == 5
    assert task.time_limit == 120
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply(args=[issued.pk]).get() is True
        assert task.apply(args=[issued.pk]).get() is False
    assert SmsMessage.objects.filter(kind="policy_issued").count() == 1
    issued.refresh_from_db()
    assert (private_root / issued.pdf.name).read_bytes()[:5] == b"%PDF-"
