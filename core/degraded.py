"""Degraded modes: what a visitor sees when PostgreSQL, Redis or the broker does not answer.

Pages that can do without a part handle its failure themselves (host routing reads the
database, sessions live in PostgreSQL, throttles refuse with "try again"). Whatever still
fails because a part is down reaches ``DependencyDownMiddleware`` (failures in a view) or
``server_error`` (the URLconfs' ``handler500``, for failures before the view): both answer
a 503 in the visitor's language with ``Retry-After`` — a page, or JSON under ``/api/`` —
instead of a 500. The page is drawn without context processors, which could need the
very part that is down.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db.utils import OperationalError as DatabaseUnavailable
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def dependency_down(error: BaseException | None) -> str | None:
    """Which part ``error`` says is down: ``database``, ``redis`` or ``broker`` (else None)."""
    if isinstance(error, DatabaseUnavailable):
        return "database"
    if isinstance(error, REDIS_UNAVAILABLE):
        return "redis"
    if isinstance(error, BrokerUnavailable):
        return "broker"
    return None


def try_again_message() -> str:
    return _("This service is briefly unavailable. Please try again in a moment.")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """A 503 "try again in a moment" in the visitor's language, never cached."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        message = try_again_message()
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DependencyDownMiddleware:
    """A view that failed because a part is down answers 503 "try again", not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        part = dependency_down(exception)
        if part is None:
            return None
        logger.warning("%s unavailable: %s %s (%s)", part, request.method, request.path, exception)
        return unavailable_response(request)


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a part that is down (seen before any view ran) gives the 503 page."""
    error = sys.exc_info()[1]
    if dependency_down(error) is not None:
        return unavailable_response(request)
    return defaults.server_error(request, template_name=template_name)
