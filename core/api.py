"""API plumbing shared by every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from core.text import normalize_text


def exception_handler(exc, context):
    """Turn a model/service ``ValidationError`` into a 400 with its (translated) messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class TextField(serializers.CharField):
    """A name, place or address (or, with ``multiline=True``, free text), normalised by
    ``core.text.normalize_text`` before it is validated: length limits apply to the
    normalised text. JSON numbers stay numbers: the API takes no Persian decimal sign."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = normalize_text(super().to_internal_value(data), multiline=self.multiline)
        if not value and not self.allow_blank:
            self.fail("blank")
        return value
