"""Model fields whose text is normalised on every write: ``save()``, ``bulk_create()``,
``QuerySet.update()`` and exact lookups alike (the value is normalised where Django prepares
it for the database). Migrations see the plain Django field, so switching a column to one of
these adds no migration; existing rows are normalised by a data migration
(:func:`core.text.sql.normalize_table`).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from core.text.normalize import normalize_html, normalize_text


class _NormalizedTextMixin:
    kind = "line"
    form_class_path = "core.forms.TextField"

    def normalize(self, value: str) -> str:
        if self.kind == "html":
            return normalize_html(value)
        return normalize_text(value, multiline=self.kind == "lines")

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)  # type: ignore[misc]
        if isinstance(value, str):
            value = self.normalize(value)
            setattr(model_instance, self.attname, value)  # type: ignore[attr-defined]
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        return self.normalize(value) if isinstance(value, str) else value

    def formfield(self, **kwargs: Any) -> Any:
        from django.utils.module_loading import import_string

        kwargs.setdefault("form_class", import_string(self.form_class_path))
        return super().formfield(**kwargs)  # type: ignore[misc]


class NormalizedCharField(_NormalizedTextMixin, models.CharField):  # type: ignore[misc]
    """A name, place, title or address on one line (``normalize_text``)."""

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class NormalizedTextField(_NormalizedTextMixin, models.TextField):  # type: ignore[misc]
    """Free text on several lines: notes, reasons (``normalize_text(multiline=True)``)."""

    kind = "lines"
    form_class_path = "core.forms.MultilineTextField"

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


class NormalizedHtmlField(_NormalizedTextMixin, models.TextField):  # type: ignore[misc]
    """Cleaned HTML that people write: its text normalised, its tags untouched
    (``normalize_html``; cleaning stays with ``core.html.sanitize_html``)."""

    kind = "html"
    form_class_path = "core.forms.HtmlTextField"

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def search_key_field(*columns: str, verbose_name: Any = None) -> models.GeneratedField:
    """A stored generated column holding the search key of ``columns`` (core PostgreSQL,
    computed by the database on every write, so no code path can leave it stale).
    Search it with ``core.text.search_filter(query, "<its name>")``.

    Changing the key's rules means re-creating these columns in a migration.
    """
    from core.text.search import SearchKey

    return models.GeneratedField(
        expression=SearchKey(*columns),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=verbose_name,
    )
