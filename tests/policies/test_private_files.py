"""Private stays private (decision 018): policy PDFs and order documents live in private
storage under names nothing printed leads to, are never reachable under /media/ on any host,
leave only through views that check who asks, and uploads are decoded before they are kept."""

from __future__ import annotations

import hashlib
import importlib
import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from accounts.models import User
from policies.files import private_files_move
from policies.models import Line, Order, OrderDocument, Policy, TariffVersion
from policies.services.documents import policy_pdf_render
from policies.services.issuance import policy_issue
from policies.services.orders import order_document_add
from tests.factories import create_user
from tests.files import HTML_TAIL, huge_png, pdf_bytes, png_bytes, png_html_polyglot
from tests.policies.fixtures_sales import make_order
from tests.policies.test_orders_api import api_order_submitted
from tests.policies.test_purchase_pages import buy_until_review, fa, snapshot

pytestmark = pytest.mark.django_db

HOSTS = ("localhost", "ar685.localhost", "ar686.localhost", "panel.localhost", "ops.localhost")
TOO_LARGE = "ابعاد تصویر بیش از حد بزرگ است؛ تصویری با حداکثر ۴۰ مگاپیکسل بارگذاری کنید."
FILE_TYPE = "Only JPG, PNG or PDF files are accepted, and the name must match the content."


def files_under(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def roots(settings) -> tuple[Path, Path]:
    """(public media, private files) of this test."""
    return Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)


@pytest.fixture
def operator(db):
    return create_user(insurer_role=User.InsurerRole.OPERATOR)


@pytest.fixture
def sale(catalog, agency, operator, customer, django_capture_on_commit_callbacks):
    """A third-party policy sold on ar685 with two uploaded documents (a photo and a PDF),
    issued by the virtual branch, its PDF rendered."""
    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status="active")
    order = make_order(line=line, tariff=tariff, customer=customer, agency=agency)
    for kind, upload in (
        ("vehicle_card", SimpleUploadedFile("card.png", png_html_polyglot())),
        ("previous_policy", SimpleUploadedFile("old.pdf", pdf_bytes())),
    ):
        order_document_add(order=order, actor=customer, kind=kind, uploaded=upload)
    Order.objects.filter(pk=order.pk).update(state=Order.State.PAID)
    order.refresh_from_db()
    agency.can_issue = False
    agency.save()
    with django_capture_on_commit_callbacks(execute=False):
        policy = policy_issue(order=order, actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        assert policy_pdf_render(policy_id=policy.pk) is True
    policy.refresh_from_db()
    return policy


# ---- uploads are decoded ------------------------------------------------------------------


def test_a_30000_by_30000_png_is_refused_in_persian_and_nothing_is_stored(
    client, catalog, customer, roots
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    before, kept = snapshot(order), files_under(roots[1])
    response = client.post(
        f"/orders/{order.public_id}/documents/",
        {"vehicle_card": SimpleUploadedFile("card.png", huge_png(30_000, 30_000))},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 400
    block = response.content.decode().split('data-document="vehicle_card"', 1)[1]
    assert f'<div class="invalid-feedback">{TOO_LARGE}</div>' in block
    assert snapshot(order) == before
    assert files_under(roots[1]) == kept and files_under(roots[0]) == []


def test_the_api_refuses_it_too_with_the_message_on_its_field(client, catalog, customer, roots):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before, kept = snapshot(order), files_under(roots[1])
    response = client.post(
        f"/api/orders/{order_id}/documents/",
        {"kind": "vehicle_card", "file": SimpleUploadedFile("card.png", huge_png(30_000, 30_000))},
        HTTP_HOST="localhost",
    )
    assert (response.status_code, response.json()["fields"]) == (422, {"file": [TOO_LARGE]})
    assert snapshot(order) == before
    assert files_under(roots[1]) == kept


def test_a_png_html_polyglot_is_stored_without_its_html(client, catalog, agency, customer, roots):
    client.force_login(customer)
    order_id = api_order_submitted(client, "ar685.localhost")
    response = client.post(
        f"/api/orders/{order_id}/documents/",
        {"kind": "vehicle_card", "file": SimpleUploadedFile("card.png", png_html_polyglot())},
        HTTP_HOST="ar685.localhost",
    )
    assert response.status_code == 201, response.content
    document = OrderDocument.objects.get(order__public_id=order_id, kind="vehicle_card")
    stored = (roots[1] / document.file.name).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored
    assert HTML_TAIL not in stored
    assert (document.content_type, document.size) == ("image/png", len(stored))
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert response.json()["documents"][0]["size"] == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (8, 4))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", HTML_TAIL, FILE_TYPE),  # a page renamed
        ("scan.pdf", png_bytes(), FILE_TYPE),  # a picture renamed
        ("scan.pdf", b"%PDF-1.4\n" + HTML_TAIL, "این پرونده یک PDF سالم و خوانا نیست."),
    ],
    ids=["html", "png", "pdf-header-only"],
)
def test_a_file_that_is_not_a_pdf_is_refused_in_persian(
    client, catalog, customer, roots, name, content, message
):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before, kept = snapshot(order), files_under(roots[1])
    response = client.post(
        f"/api/orders/{order_id}/documents/",
        {"kind": "previous_policy", "file": SimpleUploadedFile(name, content)},
        HTTP_HOST="localhost",
    )
    expected = fa(message) if message == FILE_TYPE else message
    assert (response.status_code, response.json()["fields"]) == (422, {"file": [expected]})
    assert snapshot(order) == before
    assert files_under(roots[1]) == kept


def test_a_real_pdf_is_accepted_and_kept_as_it_came(client, catalog, customer, roots):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    content = pdf_bytes(pages=2)
    response = client.post(
        f"/api/orders/{order_id}/documents/",
        {"kind": "previous_policy", "file": SimpleUploadedFile("old.pdf", content)},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 201, response.content
    document = OrderDocument.objects.get(order__public_id=order_id, kind="previous_policy")
    assert document.content_type == "application/pdf"
    assert (roots[1] / document.file.name).read_bytes() == content
    assert files_under(roots[0]) == []


# ---- never under /media/ ------------------------------------------------------------------


@pytest.mark.usefixtures("development_urls")
def test_no_policy_pdf_or_document_is_reachable_under_media_in_development(sale, customer, roots):
    public, private = roots
    stored = [(public, name) for name in files_under(public)]
    stored += [(private, name) for name in files_under(private)]
    names = [name for _root, name in stored]
    assert sale.pdf.name in names
    assert {d.file.name for d in sale.order.documents.all()} <= set(names)
    assert len(names) == 3
    # Every stored file, by its path from either root, and the PDF by the path earlier
    # versions built from the verification code: 404 on every host, for anyone.
    paths = [f"/media/{name}" for name in names]
    paths.append(f"/media/policies/ar685/{sale.jalali_year}/{sale.verification_code}.pdf")
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(customer)
    answers = {
        (host, path, who): visitor.get(path, HTTP_HOST=host).status_code
        for host in HOSTS
        for path in paths
        for who, visitor in (("anonymous", anonymous), ("customer", logged_in))
    }
    assert set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}
    assert len(answers) == len(HOSTS) * 4 * 2
    # The names tell nothing: not the policy's number nor the code printed on it; and a
    # private file has no URL to give.
    assert re.fullmatch(r"policies/ar685/\d{4}/[0-9a-f]{32}\.pdf", sale.pdf.name)
    with pytest.raises(ValueError, match="no URL"):
        sale.pdf.url  # noqa: B018


# ---- only through views that check who asks -----------------------------------------------


def test_the_download_views_serve_the_right_people_and_404_everyone_else(
    sale, agency, other_agency, customer, operator, roots
):
    order = sale.order
    photo = order.documents.get(kind="vehicle_card")
    kept_photo = (roots[1] / photo.file.name).read_bytes()
    kept_pdf = (roots[1] / sale.pdf.name).read_bytes()
    assert kept_pdf.startswith(b"%PDF-")

    def body(response) -> bytes:
        return b"".join(response.streaming_content) if response.streaming else response.content

    def get(user, host, path):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(path, HTTP_HOST=host)

    owner, other_owner = agency.memberships.get().user, other_agency.memberships.get().user
    panel_doc = f"/sales/{order.public_id}/documents/{photo.pk}/"
    panel_pdf = f"/sales/{order.public_id}/policy.pdf"
    ops_doc = f"/issuance/{order.public_id}/documents/{photo.pk}/"
    ops_pdf = f"/issuance/{order.public_id}/policy.pdf"
    own_pdf = f"/policies/{sale.number}/pdf/"
    allowed = [
        (customer, "ar685.localhost", own_pdf, kept_pdf),
        (owner, "ar685.localhost", own_pdf, kept_pdf),
        (operator, "ar685.localhost", own_pdf, kept_pdf),
        (owner, "panel.localhost", panel_doc, kept_photo),
        (owner, "panel.localhost", panel_pdf, kept_pdf),
        (operator, "ops.localhost", ops_doc, kept_photo),
        (operator, "ops.localhost", ops_pdf, kept_pdf),
    ]
    for user, host, path, content in allowed:
        response = get(user, host, path)
        assert response.status_code == 200, (user, host, path)
        assert body(response) == content
        assert path == own_pdf or response["Cache-Control"] == "private, no-store"
    stranger = create_user()
    refused = [
        (stranger, "ar685.localhost", own_pdf),
        (other_owner, "ar685.localhost", own_pdf),
        (customer, "ar686.localhost", own_pdf),
        (other_owner, "panel.localhost", panel_doc),
        (other_owner, "panel.localhost", panel_pdf),
        (customer, "panel.localhost", panel_doc),
        (owner, "ops.localhost", ops_doc),
        (customer, "ops.localhost", ops_pdf),
    ]
    for user, host, path in refused:
        assert get(user, host, path).status_code == 404, (user, host, path)
    for host, path in (("panel.localhost", panel_doc), ("ops.localhost", ops_pdf)):
        assert get(None, host, path).status_code == 302  # log in first


def test_the_admin_shows_a_policy_without_linking_its_file(client, sale):
    client.force_login(create_user(is_staff=True, is_superuser=True))
    response = client.get(f"/admin/policies/policy/{sale.pk}/change/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert sale.pdf.name not in response.content.decode()


# ---- files earlier versions left in public media ------------------------------------------


@pytest.fixture
def old_files(roots, catalog, agency, customer):
    """A policy and two documents as earlier versions stored them: under MEDIA_ROOT, the PDF
    named after its verification code."""
    public, _private = roots
    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status="active")
    order = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="paid")
    pdf_name = "policies/ar685/1405/OLDCODE234.pdf"
    contents = {pdf_name: pdf_bytes(), "documents/ar685/x/a1.png": png_bytes()}
    contents["documents/ar685/x/b2.pdf"] = pdf_bytes(pages=2)
    for name, content in contents.items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_bytes(content)
    for name in list(contents)[1:]:
        OrderDocument.objects.create(
            order=order,
            kind=name[-6:-4],
            file=name,
            content_type="x",
            size=len(contents[name]),
            original_name=name,
            sha256="0" * 64,
        )
    policy = Policy.objects.create(
        order=order,
        number="1405-01-000009",
        line=line,
        jalali_year=1405,
        sequence=9,
        agency=agency,
        customer=customer,
        start_date="2026-01-01",
        end_date="2027-01-01",
        premium=order.premium,
        tariff_version=tariff,
        verification_code="OLDCODE234",
        pdf=pdf_name,
    )
    return policy, contents


def _state(roots) -> tuple:
    public, private = roots
    return (
        files_under(public),
        {name: (private / name).read_bytes() for name in files_under(private)},
        sorted(Policy.objects.values_list("pdf", flat=True)),
        sorted(OrderDocument.objects.values_list("file", flat=True)),
    )


def test_old_public_files_move_to_private_storage_and_a_second_run_changes_nothing(
    old_files, roots
):
    policy, contents = old_files
    counts = private_files_move()
    assert dict(counts) == {"policy PDFs moved": 1, "documents moved": 2}
    policy.refresh_from_db()
    assert re.fullmatch(r"policies/ar685/1405/[0-9a-f]{32}\.pdf", policy.pdf.name)
    public, private = roots
    assert files_under(public) == []
    assert not (public / "policies").exists() and not (public / "documents").exists()
    assert policy.pdf.read() == contents["policies/ar685/1405/OLDCODE234.pdf"]
    for document in OrderDocument.objects.all():
        assert (private / document.file.name).read_bytes() == contents[document.file.name]
    after = _state(roots)
    assert dict(private_files_move()) == {"policy PDFs private": 1, "documents private": 2}
    assert _state(roots) == after


def test_a_move_cut_short_is_finished_by_the_next_run(old_files, roots):
    policy, contents = old_files
    public, private = roots
    private_files_move()
    done = _state(roots)
    policy.refresh_from_db()
    new_name = policy.pdf.name
    # Cut after the copy: the public files are still there, the PDF's row not yet changed.
    for name, content in contents.items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_bytes(content)
    Policy.objects.filter(pk=policy.pk).update(pdf="policies/ar685/1405/OLDCODE234.pdf")
    assert dict(private_files_move()) == {"policy PDFs moved": 1, "documents moved": 2}
    assert _state(roots) == done
    # Cut after the public copy was removed, before the row was changed.
    Policy.objects.filter(pk=policy.pk).update(pdf="policies/ar685/1405/OLDCODE234.pdf")
    assert dict(private_files_move()) == {"policy PDFs private": 1, "documents private": 2}
    assert _state(roots) == done
    assert Policy.objects.get(pk=policy.pk).pdf.name == new_name


def test_the_migration_and_the_command_do_the_move(old_files, roots):
    public, private = roots
    migration = importlib.import_module("policies.migrations.0005_private_files")
    migration.move_to_private_storage(apps, None)
    moved = _state(roots)
    assert moved[0] == [] and len(moved[1]) == 3
    # A file no row names (a replaced document whose removal failed) is kept, privately.
    (public / "documents/ar685/y").mkdir(parents=True)
    (public / "documents/ar685/y/lost.png").write_bytes(png_bytes())
    out = io.StringIO()
    call_command("files_make_private", stdout=out)
    assert files_under(public) == ["documents/ar685/y/lost.png"]
    call_command("files_make_private", "--strays", stdout=out)
    assert files_under(public) == []
    assert (private / "unreferenced/documents/ar685/y/lost.png").read_bytes() == png_bytes()
    assert "Private files: files no row names moved: 1" in out.getvalue()
