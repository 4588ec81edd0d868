"""Contact patterns in the agency panel (owners and managers): the list with the last
decisions, the form, switching on and off, and who the pattern would text tomorrow."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.jalali import tehran
from core.sms.parts import sms_part_price
from crm.selectors.names import line_names
from messaging.patterns.forms import PatternForm, pattern_initial
from messaging.patterns.models import BEFORE_EVENTS, PatternOccurrence, SmsPattern
from messaging.patterns.run import pattern_preview
from messaging.patterns.services import (
    pattern_create,
    pattern_delete,
    pattern_switch,
    pattern_update,
)
from tenants.panel.base import panel_view


def _tomorrow() -> dt.date:
    return timezone.now().astimezone(tehran()).date() + dt.timedelta(days=1)


@panel_view(manage=True)
def pattern_list_view(request) -> HttpResponse:
    since = timezone.now() - dt.timedelta(days=30)
    patterns = list(
        SmsPattern.objects.select_related("template")
        .annotate(
            sent_30=Count(
                "occurrences",
                filter=Q(occurrences__outcome="sent", occurrences__decided_at__gte=since),
            ),
            skipped_30=Count(
                "occurrences",
                filter=Q(occurrences__outcome="skipped", occurrences__decided_at__gte=since),
            ),
            last_run=Max("occurrences__decided_at"),
        )
        .order_by("event", "offset_days", "id")
    )
    names = line_names({pattern.line_code for pattern in patterns if pattern.line_code})
    for pattern in patterns:
        pattern.line_label = names.get(pattern.line_code, pattern.line_code)  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/patterns/list.html",
        {
            "agency": request.agency,
            "patterns": patterns,
            "before_events": BEFORE_EVENTS,
        },
    )


def _save(request, form: PatternForm, pattern: SmsPattern | None) -> SmsPattern | None:
    if not form.is_valid():
        return None
    try:
        if pattern is None:
            return pattern_create(agency=request.agency, actor=request.user, **form.cleaned_data)
        return pattern_update(
            agency=request.agency, actor=request.user, pattern=pattern, **form.cleaned_data
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@panel_view(manage=True)
def pattern_create_view(request) -> HttpResponse:
    form = PatternForm(request.POST or None)
    if request.method == "POST":
        pattern = _save(request, form, None)
        if pattern is not None:
            messages.success(request, _("The pattern was saved."))
            return redirect("panel-sms-patterns:detail", pattern_id=pattern.pk)
    return render(request, "messaging/patterns/form.html", {"agency": request.agency, "form": form})


@panel_view(manage=True)
def pattern_edit_view(request, pattern_id: int) -> HttpResponse:
    pattern = get_object_or_404(SmsPattern, pk=pattern_id)
    form = PatternForm(request.POST or None, initial=pattern_initial(pattern))
    if request.method == "POST":
        saved = _save(request, form, pattern)
        if saved is not None:
            messages.success(request, _("The pattern was saved."))
            return redirect("panel-sms-patterns:detail", pattern_id=saved.pk)
    return render(
        request,
        "messaging/patterns/form.html",
        {"agency": request.agency, "form": form, "pattern": pattern},
    )


@panel_view(manage=True)
def pattern_detail_view(request, pattern_id: int) -> HttpResponse:
    pattern = get_object_or_404(SmsPattern.objects.select_related("template"), pk=pattern_id)
    day = _tomorrow()
    preview = pattern_preview(agency=request.agency, pattern=pattern, run_date=day, limit=50)
    recent = list(
        PatternOccurrence.objects.filter(pattern=pattern).order_by("-decided_at", "-id")[:20]
    )
    customers = _customer_names({occurrence.customer_id for occurrence in recent})
    reasons = dict(PatternOccurrence.Reason.choices)
    skipped = [(reasons.get(key, key), count) for key, count in Counter(preview.skipped).items()]
    for row in preview.rows:
        row.reason_label = reasons.get(row.reason, "")  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/patterns/detail.html",
        {
            "agency": request.agency,
            "pattern": pattern,
            "day": day,
            "preview": preview,
            "skipped": skipped,
            "recent": [
                (occurrence, customers.get(occurrence.customer_id, "")) for occurrence in recent
            ],
            "part_price": sms_part_price(pattern.line),
            "before": pattern.event in BEFORE_EVENTS,
        },
    )


def _customer_names(ids: set[int]) -> dict[int, str]:
    from crm.models import Customer

    return {
        customer.pk: customer.display_name
        for customer in Customer.objects.filter(pk__in=ids).only(
            "id", "first_name", "last_name", "company_name", "party"
        )
    }


@require_POST
@panel_view(manage=True)
def pattern_switch_view(request, pattern_id: int) -> HttpResponse:
    pattern = get_object_or_404(SmsPattern.objects.select_related("template"), pk=pattern_id)
    on = request.POST.get("on") == "1"
    try:
        pattern_switch(agency=request.agency, actor=request.user, pattern=pattern, on=on)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The pattern is on.") if on else _("The pattern is off."))
    if request.POST.get("next") == "list":
        return redirect("panel-sms-patterns:list")
    return redirect("panel-sms-patterns:detail", pattern_id=pattern.pk)


@require_POST
@panel_view(manage=True)
def pattern_delete_view(request, pattern_id: int) -> HttpResponse:
    pattern = get_object_or_404(SmsPattern, pk=pattern_id)
    pattern_delete(agency=request.agency, actor=request.user, pattern=pattern)
    messages.success(request, _("The pattern was deleted."))
    return redirect("panel-sms-patterns:list")
