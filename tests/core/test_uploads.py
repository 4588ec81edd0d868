"""Uploads are decoded, not only sniffed: images opened, bounded, written again; PDFs parsed."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from core.uploads import image_clean, pdf_clean
from tests.files import (
    huge_png,
    jpeg_bytes,
    noisy_png,
    pdf_bytes,
    png_bytes,
    png_html_polyglot,
)

TOO_LARGE_40 = "ابعاد تصویر بیش از حد بزرگ است؛ تصویری با حداکثر ۴۰ مگاپیکسل بارگذاری کنید."
UNREADABLE = "تصویر خوانده نشد؛ تصویری سالم در یکی از قالب\u200cهای پذیرفته\u200cشده بارگذاری کنید."


@pytest.fixture(autouse=True)
def _persian():
    with translation.override("fa"):
        yield


def refusal(function, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        function(*args, **kwargs)
    return caught.value


def test_a_30000_by_30000_png_is_refused_in_persian_before_it_is_decoded():
    bomb = huge_png(30_000, 30_000)
    assert len(bomb) < 200_000  # small on disk, 900 megapixels decoded
    error = refusal(image_clean, bomb, max_pixels=40_000_000)
    assert (error.code, error.messages) == ("image_too_large", [TOO_LARGE_40])


def test_the_limit_is_the_callers_not_pillows():
    # 49 megapixels: under Pillow's own bomb guard (89 M), over the 40 M asked for here.
    error = refusal(image_clean, huge_png(7_000, 7_000), max_pixels=40_000_000)
    assert error.code == "image_too_large"
    assert image_clean(huge_png(7_000, 7_000), max_pixels=50_000_000).size > 0
    # A logo's limit is smaller.
    error = refusal(image_clean, huge_png(2_500, 2_000), max_pixels=4_000_000)
    assert error.messages == [
        "ابعاد تصویر بیش از حد بزرگ است؛ تصویری با حداکثر ۴ مگاپیکسل بارگذاری کنید."
    ]


def test_a_png_that_is_also_html_keeps_only_its_picture():
    polyglot = png_html_polyglot()
    assert b"<script" in polyglot and polyglot.count(b"<html") == 2
    clean = image_clean(polyglot, max_pixels=40_000_000)
    assert (clean.content_type, clean.extension) == ("image/png", "png")
    assert b"<script" not in clean.content and b"<html" not in clean.content
    assert b"tEXt" not in clean.content
    assert clean.content.endswith(b"IEND\xaeB`\x82")
    with Image.open(io.BytesIO(clean.content)) as kept, Image.open(io.BytesIO(png_bytes())) as sent:
        assert kept.size == sent.size == (8, 4)
        assert kept.convert("RGB").tobytes() == sent.convert("RGB").tobytes()


def test_a_jpeg_loses_its_metadata_and_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to view
    exif[0x010E] = "<html><script>alert(1)</script></html>"  # image description
    photo = jpeg_bytes(40, 20, exif=exif.tobytes(), comment=b"<script>alert(2)</script>")
    assert photo.count(b"<script>") == 2
    clean = image_clean(photo, max_pixels=40_000_000)
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    assert b"<script" not in clean.content and b"Exif" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as kept:
        assert kept.size == (20, 40)  # upright
        assert kept.getexif() == {}
        assert "comment" not in kept.info


def test_a_phone_photo_with_extra_pictures_is_kept_as_its_first_picture():
    buffer = io.BytesIO()
    photo, depth_map = Image.new("RGB", (20, 10), "red"), Image.new("RGB", (20, 10), "blue")
    photo.save(buffer, "MPO", save_all=True, append_images=[depth_map])
    with Image.open(buffer) as sent:
        assert (sent.format, sent.n_frames) == ("MPO", 2)
    clean = image_clean(buffer.getvalue(), max_pixels=40_000_000)
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    with Image.open(io.BytesIO(clean.content)) as kept:
        assert (kept.format, kept.size, getattr(kept, "n_frames", 1)) == ("JPEG", (20, 10), 1)
        red, green, blue = kept.getpixel((10, 5))
        assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize(
    "data",
    [
        noisy_png()[:6_000],  # cut short in its pixel data
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,  # the signature and nothing else
        b"<html><script>alert(1)</script></html>",
        pdf_bytes(),  # not an image at all
    ],
)
def test_what_does_not_decode_is_refused_in_persian(data):
    import weasyprint  # noqa: F401 - it lets Pillow accept cut images, process-wide
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    error = refusal(image_clean, data, max_pixels=40_000_000)
    assert (error.code, error.messages) == ("image_unreadable", [UNREADABLE])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the renderer wants it


def test_only_the_formats_asked_for_are_opened():
    webp = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(webp, "WEBP")
    assert refusal(image_clean, webp.getvalue(), max_pixels=10**6).code == "image_unreadable"
    clean = image_clean(webp.getvalue(), max_pixels=10**6, formats=("PNG", "WEBP"))
    assert (clean.content_type, clean.extension) == ("image/webp", "webp")


def test_a_real_pdf_is_kept_as_it_came():
    data = pdf_bytes(pages=2)
    clean = pdf_clean(data)
    assert (clean.content, clean.content_type, clean.extension) == (data, "application/pdf", "pdf")


def test_a_rendered_policy_like_pdf_is_accepted():
    from core.pdf import render_pdf

    data = render_pdf(template_name="core/dev_sms.html", context={"sms_messages": []})
    assert pdf_clean(data).content == data


def _pdf(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _with_script() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_open_action(JavaScript("app.alert('x');"))
    return _pdf(writer)


def _with_launch_on_a_page() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): launch})
    return _pdf(writer)


def _encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    return _pdf(writer)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"%PDF-1.4\n" + b"0" * 100, "pdf_unreadable", "این پرونده یک PDF سالم و خوانا نیست."),
        (png_bytes(), "pdf_unreadable", "این پرونده یک PDF سالم و خوانا نیست."),
        (pdf_bytes(pages=0), "pdf_empty", "این PDF هیچ صفحه\u200cای ندارد."),
        (
            _encrypted(),
            "pdf_encrypted",
            "پرونده\u200cهای PDF رمزدار پذیرفته نمی\u200cشوند؛ پرونده را بدون رمز بارگذاری کنید.",
        ),
        (
            _with_script(),
            "pdf_active",
            "پرونده\u200cهای PDF دارای اسکریپت یا فرمان خودکار پذیرفته نمی\u200cشوند.",
        ),
        (
            _with_launch_on_a_page(),
            "pdf_active",
            "پرونده\u200cهای PDF دارای اسکریپت یا فرمان خودکار پذیرفته نمی\u200cشوند.",
        ),
    ],
    ids=["garbage", "png", "no-pages", "encrypted", "script", "launch"],
)
def test_a_pdf_that_is_not_safe_to_show_is_refused_in_persian(data, code, message):
    error = refusal(pdf_clean, data)
    assert (error.code, error.messages) == (code, [message])
