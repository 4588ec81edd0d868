"""Files for upload tests: real images and PDFs, and hostile ones made small on disk."""

from __future__ import annotations

import io
import struct
import zlib

HTML_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_bytes(width: int = 8, height: int = 4, colour: str = "#aa3300") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def noisy_png(width: int = 64, height: int = 64) -> bytes:
    """A PNG that does not compress: cut anywhere, its pixel data is cut."""
    import random

    from PIL import Image

    pixels = random.Random(width * height).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 8, height: int = 4, colour: str = "#0033aa", **save: object) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def huge_png(width: int, height: int) -> bytes:
    """A valid black one-bit PNG of ``width`` × ``height`` pixels: a 30,000 × 30,000 one is
    about 110 KB on disk (its rows compress a thousandfold) and is built a block at a time,
    so it never needs its decoded size in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    parts = [compressor.compress(row * 256) for _ in range(height // 256)]
    parts += [compressor.compress(row * (height % 256)), compressor.flush()]
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def png_html_polyglot() -> bytes:
    """A real PNG that is also an HTML page: script in a text chunk and after the image's end."""
    png = png_bytes()
    end = png.rindex(b"IEND") - 4
    text = _chunk(b"tEXt", b"Comment\x00" + HTML_TAIL)
    return png[:end] + text + png[end:] + HTML_TAIL
