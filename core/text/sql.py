"""The text rules in SQL: the search key as one ``translate()`` expression (core PostgreSQL,
no extension), and the normaliser as session-local functions for data migrations.

Both are generated from :mod:`core.text.rules` and the regular expressions of
:mod:`core.text.normalize`; ``tests/core/test_text.py`` checks that SQL and Python agree
character for character.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from core.text import normalize as python
from core.text.rules import (
    ARABIC_INDIC_DIGITS,
    COMPOSITIONS,
    DROPPED,
    KEY_DROPPED,
    KEY_LETTERS,
    KEY_SEPARATOR,
    LATIN_DIGITS,
    LETTERS,
    LINE_BREAKS,
    PERSIAN_DIGITS,
    SOFT_BREAKS,
    SPACES,
    ZWNJ,
    presentation_forms,
)

ColumnKind = Literal["line", "lines", "html"]

# Session-local (pg_temp) functions: created by the migration that uses them, gone when its
# connection closes; nothing is left in any schema, so every node of a sharded cluster and
# every spare schema built from the migrations' SQL sees the same thing.
NORMALIZE_FUNCTION = "pg_temp.text_normalize"
NORMALIZE_HTML_FUNCTION = "pg_temp.text_normalize_html"
_PRESENTATION_FUNCTION = "pg_temp.text_presentation_forms"
_PRESENTATION_RANGE = r"[\ufb50-\ufdff\ufe70-\ufefe]"


def sql_literal(text: str) -> str:
    """``text`` as a PostgreSQL Unicode-escape literal (``U&'\\064A'``), printable and safe
    to read in ``sqlmigrate`` whatever invisible characters it holds. No ``%`` and no NUL."""
    if "\x00" in text:
        raise ValueError("PostgreSQL text cannot hold NUL")
    out = []
    for char in text:
        if char == "'":
            out.append("''")
        elif char == "\\":
            out.append("\\\\")
        elif char == "%":
            out.append("\\0025")  # never a bare % in SQL that may meet DB-API parameters
        elif " " <= char <= "~":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\{ord(char):04X}")
        else:
            out.append(f"\\+{ord(char):06X}")
    return "U&'" + "".join(out) + "'"


# ---- the search key -----------------------------------------------------------------------


def _key_translation() -> tuple[str, str]:
    source, target, dropped = [], [], []
    seen: set[str] = set()

    def add(char: str, to: str | None) -> None:
        if char in seen or char in ("\x00", KEY_SEPARATOR):  # the separator stays
            return
        seen.add(char)
        if to is None:
            dropped.append(char)
        else:
            source.append(char)
            target.append(to)

    for char, letter in LETTERS.items():
        add(char, KEY_LETTERS.get(letter, letter))
    for char, letter in KEY_LETTERS.items():
        add(char, letter)
    for digits in (PERSIAN_DIGITS, ARABIC_INDIC_DIGITS):
        for digit, latin in zip(digits, LATIN_DIGITS, strict=True):
            add(digit, latin)
    for char in KEY_DROPPED + DROPPED + SOFT_BREAKS + SPACES + LINE_BREAKS:
        add(char, None)
    # translate() drops the characters of ``from`` that have no partner in ``to``.
    return "".join(source + dropped), "".join(target)


KEY_FROM, KEY_TO = _key_translation()


def search_key_sql(expression: str) -> str:
    """SQL for the search key of an SQL text expression (immutable: usable in an index).

    Exactly :func:`core.text.search_key` for stored text that is already normalised, and
    the same for raw text in everything but presentation forms and letter + hamza pairs.
    """
    return f"translate(lower({expression}), {sql_literal(KEY_FROM)}, {sql_literal(KEY_TO)})"


# ---- the normaliser ----------------------------------------------------------------------


def _char_translation() -> tuple[str, str]:
    source: list[str] = []
    target: list[str] = []
    dropped: list[str] = []
    for char, letter in LETTERS.items():
        source.append(char)
        target.append(letter)
    for digit, persian in zip(ARABIC_INDIC_DIGITS, PERSIAN_DIGITS, strict=True):
        source.append(digit)
        target.append(persian)
    for char in SPACES:
        source.append(char)
        target.append(" ")
    for char in LINE_BREAKS:
        source.append(char)
        target.append("\n")
    dropped.extend(char for char in DROPPED if char != "\x00")
    return "".join(source + dropped), "".join(target)


def _replace(expression: str, pattern: str, replacement: str) -> str:
    return f"regexp_replace({expression}, {sql_literal(pattern)}, {sql_literal(replacement)}, 'g')"


def _several_lines(expression: str) -> str:
    text = _replace(expression, python.CARRIAGE_RETURN_RE, "\n")
    text = _replace(text, python.BLANKS_RE, " ")
    text = _replace(text, python.SPACE_AROUND_NEWLINE_RE, "\n")
    return _replace(text, python.EMPTY_LINES_RE, "\n\n")


def normalize_function_sql() -> list[str]:
    """``CREATE FUNCTION`` statements for ``pg_temp.text_normalize(text, mode)`` (mode
    ``'line'``, ``'lines'`` or ``'inner'``, as :func:`core.text.normalize_text`) and
    ``pg_temp.text_normalize_html(text)`` (as :func:`core.text.normalize_html`)."""
    forms = ", ".join(
        f"({sql_literal(form)}, {sql_literal(letters)})"
        for form, letters in presentation_forms().items()
    )
    presentation = (
        f"CREATE OR REPLACE FUNCTION {_PRESENTATION_FUNCTION}(value text) RETURNS text "  # noqa: S608 - built from our constants
        "LANGUAGE sql IMMUTABLE AS $function$ "
        "SELECT string_agg(coalesce(f.letters, c.ch), '' ORDER BY c.n) "
        "FROM regexp_split_to_table(value, '') WITH ORDINALITY AS c(ch, n) "
        f"LEFT JOIN (VALUES {forms}) AS f(form, letters) ON f.form = c.ch $function$"
    )
    char_from, char_to = _char_translation()
    text = (
        f"translate(CASE WHEN value ~ {sql_literal(_PRESENTATION_RANGE)} "
        f"THEN {_PRESENTATION_FUNCTION}(value) ELSE value END, "
        f"{sql_literal(char_from)}, {sql_literal(char_to)})"
    )
    text = _replace(text, python.SOFT_BREAK_IN_WORD_RE, ZWNJ)
    text = _replace(text, python.SOFT_BREAK_RE, "")
    text = _replace(text, python.ZWNJ_RUN_RE, ZWNJ)
    text = _replace(text, python.LOOSE_ZWNJ_RE, "")
    text = _replace(text, python.ZWJ_RUN_RE, "\u200d")
    text = _replace(text, python.LOOSE_ZWJ_RE, "")
    for pair, single in COMPOSITIONS.items():
        text = f"replace({text}, {sql_literal(pair)}, {sql_literal(single)})"
    normalize = (
        f"CREATE OR REPLACE FUNCTION {NORMALIZE_FUNCTION}(value text, mode text) RETURNS text "  # noqa: S608 - built from our constants
        "LANGUAGE sql IMMUTABLE AS $function$ "
        "SELECT CASE mode "
        f"WHEN 'line' THEN btrim({_replace('s', python.WHITESPACE_RE, ' ')}, ' ') "
        f"WHEN 'lines' THEN btrim({_several_lines('s')}, {sql_literal(' ' + chr(10))}) "
        f"ELSE {_several_lines('s')} END "
        f"FROM (SELECT {text} AS s) AS t $function$"
    )
    html = (
        f"CREATE OR REPLACE FUNCTION {NORMALIZE_HTML_FUNCTION}(value text) RETURNS text "  # noqa: S608 - built from our constants
        "LANGUAGE sql IMMUTABLE AS $function$ "
        "SELECT btrim(coalesce(string_agg(CASE WHEN left(m.part[1], 1) = '<' THEN m.part[1] "
        f"ELSE {NORMALIZE_FUNCTION}(m.part[1], 'inner') END, '' ORDER BY m.n), ''), "
        f"{sql_literal(' ' + chr(10))}) "
        f"FROM regexp_matches(value, {sql_literal(python.HTML_PART_RE)}, 'g') "
        "WITH ORDINALITY AS m(part, n) $function$"
    )
    return [presentation, normalize, html]


def normalized_sql(column: str, kind: ColumnKind) -> str:
    """SQL for the normalised value of a column (the functions above must exist)."""
    if kind == "html":
        return f"{NORMALIZE_HTML_FUNCTION}({column})"
    return f"{NORMALIZE_FUNCTION}({column}, '{kind}')"


def normalize_table_sql(table: str, columns: Mapping[str, ColumnKind]) -> str:
    """One ``UPDATE`` that normalises ``columns`` of ``table`` in the rows that need it
    (idempotent: a second run changes no row). For small tables and tenant migrations."""
    return f"UPDATE {_quoted(table)} SET {_assignments(columns)} WHERE {_differs(columns)}"  # noqa: S608 - our tables


def normalize_table(
    cursor: Any, table: str, columns: Mapping[str, ColumnKind], *, batch_size: int = 10_000
) -> int:
    """Normalise ``columns`` of ``table`` in batches of ``batch_size`` ids, each its own
    statement (in autocommit, its own transaction: a large table is never locked whole).
    Returns how many rows changed. Creates the session-local functions first."""
    for statement in normalize_function_sql():
        cursor.execute(statement)
    cursor.execute(f"SELECT min(id), max(id) FROM {_quoted(table)}")  # noqa: S608 - our table
    low, high = cursor.fetchone()
    if low is None:
        return 0
    changed = 0
    update = (
        f"UPDATE {_quoted(table)} SET {_assignments(columns)} "  # noqa: S608 - our table
        f"WHERE id >= %s AND id < %s AND ({_differs(columns)})"
    )
    for start in range(low, high + 1, batch_size):
        cursor.execute(update, [start, start + batch_size])
        changed += cursor.rowcount
    return changed


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _assignments(columns: Mapping[str, ColumnKind]) -> str:
    return ", ".join(
        f"{_quoted(column)} = {normalized_sql(_quoted(column), kind)}"
        for column, kind in columns.items()
    )


def _differs(columns: Iterable[tuple[str, ColumnKind]] | Mapping[str, ColumnKind]) -> str:
    items = columns.items() if isinstance(columns, Mapping) else columns
    # The cheap test first: only a value with a character or a space that some rule may
    # change is given to the normaliser (200,000 normalised names: 13 s → under 1 s).
    may_change = sql_literal(python.MAY_CHANGE_RE)
    return " OR ".join(
        f"CASE WHEN {_quoted(column)} ~ {may_change} "
        f"THEN {_quoted(column)} IS DISTINCT FROM {normalized_sql(_quoted(column), kind)} "
        "ELSE false END"
        for column, kind in items
    )


# ---- migrations ---------------------------------------------------------------------------


def normalize_tables_operation(tables: Mapping[str, Mapping[str, ColumnKind]]) -> Any:
    """A ``RunPython`` for a shared (public) app's data migration: normalises the columns of
    each table in batches (:func:`normalize_table`). Put it in a migration with
    ``atomic = False`` so that each batch commits on its own."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        with schema_editor.connection.cursor() as cursor:
            for table, columns in tables.items():
                normalize_table(cursor, table, columns)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)


def normalize_tables_sql_operation(tables: Mapping[str, Mapping[str, ColumnKind]]) -> Any:
    """A ``RunSQL`` for a tenant app's data migration (pure SQL, replayable into spare
    schemas, docs/migrations.md): one idempotent ``UPDATE`` per table."""
    from django.db import migrations

    statements = normalize_function_sql() + [
        normalize_table_sql(table, columns) for table, columns in tables.items()
    ]
    return migrations.RunSQL(tuple(statements), migrations.RunSQL.noop, elidable=True)
