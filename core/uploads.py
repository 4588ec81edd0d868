"""Uploaded files are decoded, not only sniffed, before anything keeps them.

Images are opened with Pillow, refused above a pixel count given by the caller (before
their pixels are decoded), decoded in full and written again: turned the way the camera
meant, without metadata (EXIF, comments, text chunks, colour profiles) and without any
bytes after the image's end, so a picture that is also an HTML page keeps only the
picture. PDFs are parsed with pypdf: at least one page, no password, no scripts or launch
actions; their bytes are kept as they came.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from core.templatetags.jalali import fa_digits

# Pillow format: (content type, file extension)
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# PDF actions that run something: a script in the viewer or a program on the computer.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}
_ACTIVE_KEYS = {"/JS", "/JavaScript"}
_PDF_WALK_DEPTH = 64
_DECODING = threading.Lock()


@dataclass(frozen=True)
class CleanFile:
    """What is stored of an upload: its bytes (re-encoded for images), type and extension."""

    content: bytes
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def as_file(self, stem: str) -> ContentFile:
        return ContentFile(self.content, name=f"{stem}.{self.extension}")


@contextmanager
def _whole_images_only() -> Iterator[None]:
    """Decode with Pillow refusing truncated data. WeasyPrint (the PDF renderer, imported by
    web and worker processes) switches Pillow to accept truncated images process-wide; an
    upload must be whole. The switch is Pillow's global, so it is held under a lock for the
    moment of decoding (processes here run one request or task at a time)."""
    with _DECODING:
        lenient = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _read(upload: Any) -> bytes:
    if isinstance(upload, bytes):
        return upload
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _unreadable_image() -> ValidationError:
    return ValidationError(
        _("The image could not be read; upload an undamaged image in an accepted format."),
        code="image_unreadable",
    )


def _too_many_pixels(max_pixels: int) -> ValidationError:
    megapixels = max_pixels // 1_000_000
    return ValidationError(
        _(
            "The image's dimensions are too large; upload an image of at most "
            "%(megapixels)s megapixels."
        )
        % {"megapixels": fa_digits(megapixels)},
        code="image_too_large",
    )


def image_clean(
    upload: Any, *, max_pixels: int, formats: Iterable[str] = ("PNG", "JPEG")
) -> CleanFile:
    """Decode an uploaded image of one of ``formats`` (Pillow names) with at most
    ``max_pixels`` pixels and return it re-encoded in the same format; raise
    ``ValidationError`` (in the user's language) for anything else."""
    allowed = [name for name in formats if name in IMAGE_FORMATS]
    data = _read(upload)
    try:
        # Opening reads the header only; Pillow's own bomb guard (a global limit) may refuse
        # here already, ours is applied below, per call, before any pixel is decoded.
        image = Image.open(io.BytesIO(data), formats=allowed)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except (OSError, SyntaxError, ValueError):
        raise _unreadable_image() from None
    with image:
        # Many phone cameras write a JPEG with extra pictures appended (MPO); its first
        # picture is the photo, and is kept as a plain JPEG.
        image_format = "JPEG" if image.format == "MPO" else image.format
        if image.width < 1 or image.height < 1 or image_format not in allowed:
            raise _unreadable_image()
        if image.width * image.height > max_pixels:
            raise _too_many_pixels(max_pixels)
        try:
            with _whole_images_only():
                image.load()
            upright = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError:
            raise _too_many_pixels(max_pixels) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise _unreadable_image() from None
    content = _encode(upright, image_format)
    content_type, extension = IMAGE_FORMATS[image_format]
    return CleanFile(
        content=content,
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
    )


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Write the decoded pixels again: nothing of the original file but its picture."""
    # Metadata rides along in ``info`` (comments, colour profile, EXIF); transparency of
    # palette and grey images is the one entry that belongs to the picture.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    buffer = io.BytesIO()
    if image_format == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    elif image_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(buffer, "WEBP", quality=WEBP_QUALITY)
    else:
        if image.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _not_a_pdf() -> ValidationError:
    return ValidationError(_("The file is not a readable PDF."), code="pdf_unreadable")


def _active(value: Any, depth: int = 0) -> bool:
    """Whether a PDF object (walked through its direct children, not its references: every
    indirect object is visited on its own) holds a script or a launch action."""
    from pypdf.generic import ArrayObject, DictionaryObject

    if depth > _PDF_WALK_DEPTH:
        return True  # nested beyond any honest document
    if isinstance(value, DictionaryObject):
        if _ACTIVE_KEYS & set(value.keys()) or str(value.get("/S", "")) in _ACTIVE_ACTIONS:
            return True
        return any(_active(child, depth + 1) for child in value.values())
    if isinstance(value, ArrayObject):
        return any(_active(child, depth + 1) for child in value)
    return False


def _objects(reader: Any) -> Iterable[Any]:
    """Every indirect object the file's cross-reference tables name."""
    from pypdf.generic import IndirectObject

    for generation, entries in reader.xref.items():
        for number in entries:
            yield reader.get_object(IndirectObject(number, generation, reader))
    for number in reader.xref_objStm:
        yield reader.get_object(IndirectObject(number, 0, reader))


def pdf_clean(upload: Any) -> CleanFile:
    """Check that an upload is a PDF a viewer can show safely: it parses, has at least one
    page, has no password, and runs no script or program. Its bytes are kept unchanged."""
    from pypdf import PdfReader

    data = _read(upload)
    if not data.startswith(b"%PDF-"):
        raise _not_a_pdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("Password-protected PDFs are not accepted; upload the file without a password."),
                code="pdf_encrypted",
            )
        pages = len(reader.pages)
        active = _active(reader.trailer["/Root"].get_object()) or any(
            _active(item) for item in _objects(reader)
        )
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on a damaged file; all mean "no"
        raise _not_a_pdf() from None
    if pages < 1:
        raise ValidationError(_("The PDF has no pages."), code="pdf_empty")
    if active:
        raise ValidationError(
            _("PDFs with scripts or automatic actions are not accepted."), code="pdf_active"
        )
    return CleanFile(content=data, content_type="application/pdf", extension="pdf")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An .xlsx is a zip: what it unpacks to is bounded, so a small "zip bomb" cannot fill memory
# or disk when a reader streams it.
SPREADSHEET_MAX_UNPACKED = 300 * 1024 * 1024


def _unreadable_spreadsheet() -> ValidationError:
    return ValidationError(
        _("The file could not be read; upload an Excel workbook (.xlsx) or a CSV file in UTF-8."),
        code="spreadsheet_unreadable",
    )


def spreadsheet_clean(upload: Any) -> CleanFile:
    """Check that an upload is a table people can import: an Excel workbook (.xlsx, no
    macros, unpacking to at most ``SPREADSHEET_MAX_UNPACKED``, opened by openpyxl) or CSV
    text in UTF-8 (with or without its byte-order mark, no NUL characters). Its bytes are
    kept unchanged; the rows are read by the importer."""
    import zipfile

    data = _read(upload)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                members = package.infolist()
                names = {member.filename for member in members}
                unpacked = sum(member.file_size for member in members)
        except (zipfile.BadZipFile, ValueError, OSError):
            raise _unreadable_spreadsheet() from None
        if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            raise _unreadable_spreadsheet()
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise ValidationError(
                _("Workbooks with macros are not accepted; save it as a plain .xlsx."),
                code="spreadsheet_macros",
            )
        if unpacked > SPREADSHEET_MAX_UNPACKED:
            raise ValidationError(
                _("The workbook is too large once unpacked; split it into smaller files."),
                code="spreadsheet_too_large",
            )
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            workbook.close()
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
            raise _unreadable_spreadsheet() from None
        return CleanFile(content=data, content_type=XLSX_CONTENT_TYPE, extension="xlsx")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _('The CSV file is not in UTF-8; save it again as "CSV UTF-8".'),
            code="spreadsheet_encoding",
        ) from None
    if "\x00" in text or not text.strip():
        raise _unreadable_spreadsheet()
    return CleanFile(content=data, content_type="text/csv", extension="csv")
