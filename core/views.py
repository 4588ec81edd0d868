"""Infrastructure pages: health check, favicon, the development SMS outbox and sandbox bank."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

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


@never_cache
def dev_sms_outbox(request):
    """The development SMS outbox: what would have been sent, newest first."""
    if settings.SMS_BACKEND != "dev":
        raise Http404
    messages = SmsMessage.objects.all()[:100]
    return render(request, "core/dev_sms.html", {"sms_messages": messages})


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
