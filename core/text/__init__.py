"""Persian text: one spelling of each letter, the half-space where it belongs, and searches
that find a word however it was typed (decision 020).

- :func:`normalize_text` — names, places, addresses, free text (``multiline=True``), before
  they are stored; :func:`normalize_html` — HTML people write; :func:`normalize_identifier`
  — numbers and codes typed into a box.
- :func:`search_key` / :func:`search_terms` — the key spelling variants share;
  :class:`SearchKey` and :func:`search_filter` — the same key in SQL, for querysets.
- :mod:`core.text.fields` — model fields that normalise on every write;
  ``core.forms.TextField`` / ``MultilineTextField`` / ``HtmlTextField`` and
  ``core.api.TextField`` — the same for forms and the API.
- :mod:`core.text.sql` — the rules as SQL, for data migrations.
"""

from core.text.normalize import (
    normalize_html,
    normalize_identifier,
    normalize_text,
    search_key,
    search_terms,
)
from core.text.search import SearchKey, search_filter

__all__ = [
    "SearchKey",
    "normalize_html",
    "normalize_identifier",
    "normalize_text",
    "search_filter",
    "search_key",
    "search_terms",
]
