from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.filter
def with_class(bound_field, css_class: str):
    """Render a form field's widget with extra CSS classes (and ``is-invalid`` on error)."""
    classes = css_class
    if bound_field.errors:
        classes += " is-invalid"
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {classes}".strip()})


@register.simple_tag
def map_tiles() -> str:
    """The tile URL template of the location pickers (``MAP_TILE_URL``)."""
    return settings.MAP_TILE_URL


@register.simple_tag
def map_attribution() -> str:
    return settings.MAP_TILE_ATTRIBUTION


@register.filter
def clean_html(value: str):
    """HTML people wrote, sanitised again on the way out (it was sanitised when stored)."""
    from django.utils.safestring import mark_safe

    from core.html import sanitize_html

    return mark_safe(sanitize_html(value or ""))  # noqa: S308 - sanitised just above


@register.filter
def plain_text(value) -> str:
    """HTML people wrote as one line of plain text (a page's meta description): tags dropped,
    entities decoded, whitespace collapsed. Not marked safe, so it is escaped where shown."""
    from html import unescape

    from django.utils.html import strip_tags

    return " ".join(unescape(strip_tags(str(value or ""))).split())


@register.filter
def ltr(value) -> str:
    """An identifier (export number, policy number) kept left to right inside Persian text,
    so its digits and dashes are not reordered."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.filter
def latin(value) -> str:
    """A code written in Latin letters and digits whatever the page's language (a VIN, an
    engine or passport number, a Sheba number, a verification code, an IP address): kept
    left to right and marked ``data-latin``, the one place a Persian page may show Latin
    digits (tests/core/test_digits_on_pages.py checks the rest)."""
    if value in (None, ""):
        return ""
    return format_html('<bdi dir="ltr" data-latin>{}</bdi>', value)


@register.filter
def ident(value) -> str:
    """An identifier as people read it: in the page's digits when it is made of digits (a
    policy, order or bank reference number), kept Latin and marked when it holds Latin
    letters (``BANK0012``, ``EX-14050901-01``)."""
    from core.digits import localize_digits

    if value in (None, ""):
        return ""
    text = str(value)
    if any("a" <= char.lower() <= "z" for char in text):
        return latin(text)
    return format_html('<bdi dir="ltr">{}</bdi>', localize_digits(text))


@register.filter
def words(values) -> str:
    """Items joined with the page's comma: ``الف، ب`` in Persian, ``A, B`` in English."""
    from core.digits import persian_digits_active

    separator = "، " if persian_digits_active() else ", "
    return separator.join(str(value) for value in values or ())
