"""Searching a long table by the start of its words, through an index, in core PostgreSQL.

``search_key`` columns (:mod:`core.text.search`) are searched with ``LIKE '%word%'``: without
``pg_trgm`` (the embedded PostgreSQL has no contrib extension) no index serves that, and a
queue of 100,000 rows reads every key (about half a second). A queue that must answer fast
keeps beside it a stored generated ``tsvector`` of its *word keys* (:func:`search_words_field`):
every word of the columns and every whole column, each as its search key (Arabic ي/ك, any
digits, harakat, half-spaces: :func:`core.text.search_key`), made with ``array_to_tsvector``
(no text-search dictionary, no parser, no language: the keys are stored as they are). A GIN
index on it answers ``'word':*`` — the rows holding a word that *starts* with each typed
word — in milliseconds (:func:`words_filter`).

What it finds: "مريم متقاضي12" finds مریم متقاضی1234; "علیرضا" finds علی رضا (the whole
column is a key too); "0912" finds 09121234567. What it no longer finds: a piece from the
middle of a word ("1234" in 09121234567) — a queue's numbers are searched whole, by their
own index, beside it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import BooleanField, F, Func, Q, Value

from core.text.normalize import search_terms
from core.text.rules import KEY_SEPARATOR, ZWNJ
from core.text.search import SearchKey
from core.text.sql import search_key_sql, sql_literal


class SearchWords(SearchKey):
    """``array_to_tsvector`` of the word keys and whole-column keys of ``columns``
    (immutable: a stored generated column and its index)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        joined, params = self.joined_sql(compiler)
        separator = sql_literal(KEY_SEPARATOR)
        # Stored text is normalised: its only space is " ", which parts the words; a
        # half-space parts them too (می‌خواهم is found by "می", "خواهم" and "میخواهم").
        spaced = f"replace({joined}, ' ', {separator})"
        parts = search_key_sql(f"replace({spaced}, {sql_literal(ZWNJ)}, {separator})")
        words = search_key_sql(spaced)
        columns = search_key_sql(joined)
        keys = " || ".join(
            f"string_to_array({keys}, {separator})" for keys in (parts, words, columns)
        )
        keys = f"array_remove({keys}, '')"
        return f"array_to_tsvector({keys})", params


def search_words_field(*columns: str, verbose_name: Any = None) -> models.GeneratedField:
    """A stored generated column of the word keys of ``columns`` (give it a ``GinIndex``);
    search it with :func:`words_filter`."""
    return models.GeneratedField(
        expression=SearchWords(*columns),
        output_field=SearchVectorField(),
        db_persist=True,
        verbose_name=verbose_name,
    )


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "':*"


def words_query(query: object) -> str:
    """The ``tsquery`` text for ``query``: every typed word, as its key, as a prefix."""
    return " & ".join(_lexeme(term) for term in search_terms(query))


class _Matches(Func):
    template = "(%(expressions)s::tsquery)"
    arg_joiner = " @@ "
    output_field = BooleanField()


def words_filter(query: object, key: str = "search_words") -> Q:
    """The rows whose ``key`` (a :func:`search_words_field`) holds, for every word of
    ``query``, a word that starts with it. An empty query keeps every row."""
    text = words_query(query)
    if not text:
        return Q()
    return Q(_Matches(F(key), Value(text)))
