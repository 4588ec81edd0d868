"""Infrastructure pages: health check, favicon, public media, the development SMS outbox and
sandbox bank."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from core.models import SandboxPayment, SmsMessage


def favicon(request):
    """Browsers ask for ``/favicon.ico`` whatever a page links: point them at the icon's
    static address (hashed and cached for good in production)."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
def healthz(request):
    """Report whether the database, Redis and the Celery broker answer; 503 naming the
    part that does not (this page itself needs none of them)."""
    checks = {
        "database": _check(_database_answers),
        "redis": _check(_redis_answers),
        "broker": _check(_broker_answers),
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _check(probe) -> str:
    try:
        return probe()
    except Exception as error:  # noqa: BLE001 - a health check reports, it does not raise
        return f"error: {error.__class__.__name__}"


def _database_answers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _redis_answers() -> str:
    cache.set("healthz", "ok", 5)
    return "ok" if cache.get("healthz") == "ok" else "error: no echo"


def _broker_answers() -> str:
    from celery import current_app

    with current_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    return "ok"


# The only kinds of file public media may be; anything else under MEDIA_ROOT is not served.
PUBLIC_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


@require_safe
def public_media(request, path: str):
    """A public media file (a site's logo or banner) in every mode, production included.

    Only files under ``PUBLIC_MEDIA_PREFIXES`` of ``MEDIA_ROOT`` and only images: private
    files never live under ``MEDIA_ROOT``, and were one left there, it would still be 404.
    Served with its own type, never sniffed, never run as a page."""
    if not any(path.startswith(prefix) for prefix in settings.PUBLIC_MEDIA_PREFIXES):
        raise Http404
    content_type = PUBLIC_MEDIA_TYPES.get(Path(path).suffix.lower())
    if (
        content_type is None
        or "\\" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise Http404
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except SuspiciousFileOperation:
        raise Http404 from None
    # A link inside the media folder leads nowhere else.
    if not full.is_file() or not full.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise Http404
    stat = full.stat()
    response: HttpResponseNotModified | FileResponse
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stat.st_mtime):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(full.open("rb"), content_type=content_type)
        response["Content-Length"] = str(stat.st_size)
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MEDIA_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
def dev_sms_outbox(request):
    """The development SMS outbox: what would have been sent, newest first; and a form to
    reply as a customer (the sandbox's next ``inbound()`` returns the reply)."""
    from core.sms.base import sms_sandbox_active
    from core.sms.sandbox import sandbox_inbound_add, sandbox_inbound_pending
    from core.text import normalize_identifier, normalize_text

    if not sms_sandbox_active():
        raise Http404
    if request.method == "POST":
        sender = normalize_identifier(request.POST.get("sender", ""))[:20]
        body = normalize_text(request.POST.get("body", ""), multiline=True)[:1000]
        if not sender or not body:
            return HttpResponseBadRequest("sender and text are required")
        sandbox_inbound_add(sender, body)
        return HttpResponseRedirect(request.path)
    messages = SmsMessage.objects.all()[:100]
    return render(
        request,
        "core/dev_sms.html",
        {"sms_messages": messages, "replies_waiting": sandbox_inbound_pending()},
    )


@never_cache
def dev_bank(request, token: str):
    """The sandbox bank's payment page: pay, fail or cancel, then back to the merchant."""
    from core.payments.sandbox import sandbox_decide

    if not settings.PAYMENT_SANDBOX_ENABLED:
        raise Http404
    payment = SandboxPayment.objects.filter(token=token).first()
    if payment is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in {"pay", "fail", "cancel"}:
            return HttpResponseBadRequest("unknown action")
        payment = sandbox_decide(token=token, action=action) or payment
        status = "OK" if payment.state == SandboxPayment.State.PAID else "NOK"
        separator = "&" if "?" in payment.callback_url else "?"
        return HttpResponseRedirect(
            f"{payment.callback_url}{separator}{urlencode({'token': token, 'status': status})}"
        )
    merchant = urlsplit(payment.callback_url).hostname or ""
    return render(request, "core/dev_bank.html", {"payment": payment, "merchant": merchant})
