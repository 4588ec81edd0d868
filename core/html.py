"""HTML that people write (site pages, about and contact texts), made safe to show."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "small", "ul", "ol", "li",
    "h2", "h3", "h4", "a", "blockquote", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "p": {"dir"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(text: str) -> str:
    """Keep a small set of harmless tags; drop scripts and styles with their content, every
    event handler, ``style`` attribute, iframe and ``javascript:`` link. Plain text comes back
    as it went in. Links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
