"""Searching stored text whatever spelling it was typed with, in core PostgreSQL.

Stored names and places are normalised when written (:mod:`core.text.fields`); a search
compares the *search key* of the stored columns (:class:`SearchKey`, one ``translate()``) with
the search keys of the typed words (:func:`core.text.search_terms`).

Computing the key costs about 2 µs per row (200,000 rows: about 0.5 s per search), so a
table searched often keeps it in a stored generated column
(:func:`core.text.fields.search_key_field`): PostgreSQL computes it on every insert and
update, whatever wrote the row, and a search is a plain ``LIKE`` on that column (200,000
rows: about 0.07 s without an index; with ``pg_trgm`` a trigram GIN index on the column
makes it milliseconds). Small tables (agencies, branches, requests) compute it in the query.
A long queue that must answer in milliseconds without ``pg_trgm`` searches by the start of
words instead (:mod:`core.text.words`, decision 063).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Expression, F, Field, Func, Q, TextField
from django.db.models.lookups import Contains

from core.text.normalize import search_terms
from core.text.rules import KEY_SEPARATOR
from core.text.sql import search_key_sql, sql_literal


class SearchKey(Func):
    """The search key of one or more columns (or expressions), joined by a separator that no
    typed word holds, so a word is found inside one column and never across two.

    ``SearchKey("first_name", "last_name", "mobile")`` →
    ``translate(lower(COALESCE(first_name::text, '') || U&'\\001F' || …), …)``
    """

    output_field: Field = TextField()

    def __init__(self, *expressions: str | Expression, **extra: Any) -> None:
        if not expressions:
            raise ValueError(f"{type(self).__name__} needs at least one column.")
        parts = [F(part) if isinstance(part, str) else part for part in expressions]
        super().__init__(*parts, **extra)

    def joined_sql(self, compiler) -> tuple[str, list]:  # type: ignore[no-untyped-def]
        """The columns as text, joined by the separator (before any key is made)."""
        sql_parts, params = [], []
        for expression in self.source_expressions:
            sql, part_params = compiler.compile(expression)
            sql_parts.append(f"COALESCE(({sql})::text, '')")
            params.extend(part_params)
        return f" || {sql_literal(KEY_SEPARATOR)} || ".join(sql_parts), params

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        joined, params = self.joined_sql(compiler)
        return search_key_sql(joined), params


def search_filter(query: object, key: str | Expression) -> Q:
    """A filter that keeps the rows whose ``key`` holds every word of ``query``.

    ``key`` is the name of a stored search-key column (``"search_key"``, see
    :func:`core.text.fields.search_key_field`) or a :class:`SearchKey` computed in the query.
    An empty query keeps every row::

        User.objects.filter(search_filter("علي كاظمي ۰۹۱۲", "search_key"))
        Agency.objects.filter(search_filter("كرج", SearchKey("name", "city")))
    """
    lhs = F(key) if isinstance(key, str) else key
    condition = Q()
    for term in search_terms(query):
        condition &= Q(Contains(lhs, term))
    return condition
