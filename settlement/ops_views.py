"""Settlement with the core issuing system on the ops host (S-5.2): a day's batches, exports
with a live progress bar and their files, and the core system's confirmations with every
difference. Operators act; branch managers look."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from accounts.decorators import insurer_view
from core.forms import Form, JalaliDateField
from core.jalali import format_jalali_date
from core.xlsx import NUMBER, Column, xlsx_response
from settlement import selectors
from settlement.models import (
    SettlementConfirmation,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from settlement.services.batches import last_ended_day, settlement_batches_build
from settlement.services.confirmations import MAX_CONFIRMATION_BYTES, settlement_confirmation_upload
from settlement.services.exports import (
    SETTLEMENT_ROLES,
    private_storage,
    settlement_export_create,
    settlement_export_repeat,
)

VIEWER_ROLES = ("operator", "branch_manager", "admin")
PAGE_SIZE = 100


class DayForm(Form):
    day = JalaliDateField(label=gettext_lazy("Business day"))


class ConfirmationForm(Form):
    file = forms.FileField(label=gettext_lazy("The core system's confirmation file (CSV)"))


def _day_from(request) -> tuple[dt.date, DayForm]:
    form = DayForm(request.GET or None, initial={"day": last_ended_day()})
    if form.is_bound and form.is_valid():
        return form.cleaned_data["day"], form
    return last_ended_day(), form


def _errors(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return str(error)
    return " ".join(error.messages)


@insurer_view(roles=VIEWER_ROLES)
def home(request) -> HttpResponse:
    day, form = _day_from(request)
    page = Paginator(selectors.batches_of_day(day=day), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/ops/home.html",
        {
            "day": day,
            "form": form,
            "summary": selectors.day_summary(day=day),
            "page": page,
            "batches": page.object_list,
            "exports": selectors.recent_exports(),
            "may_act": request.user.has_insurer_role(*SETTLEMENT_ROLES),
            "query": f"day={format_jalali_date(day, persian_digits=False)}",
        },
    )


def _back_to_day(day: dt.date) -> HttpResponse:
    return redirect(
        f"{reverse('ops-settlement:home')}?day={format_jalali_date(day, persian_digits=False)}"
    )


def _posted_day(request) -> dt.date | None:
    """The day a settlement button was pressed for; a bad one is explained, and ``None``."""
    form = DayForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["day"]
    messages.error(request, " ".join(str(error) for error in form.errors["day"]))
    return None


@require_POST
@insurer_view(roles=SETTLEMENT_ROLES)
def build(request) -> HttpResponse:
    day = _posted_day(request)
    if day is None:
        return redirect("ops-settlement:home")
    try:
        result = settlement_batches_build(day=day, actor=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            _("%(items)s new items; %(batches)s batches are open for %(date)s.")
            % {"items": result.items, "batches": result.batches, "date": format_jalali_date(day)},
        )
    return _back_to_day(day)


@require_POST
@insurer_view(roles=SETTLEMENT_ROLES)
def export_create(request) -> HttpResponse:
    day = _posted_day(request)
    if day is None:
        return redirect("ops-settlement:home")
    try:
        export = settlement_export_create(day=day, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
        return _back_to_day(day)
    messages.success(request, _("Export %(number)s is being written.") % {"number": export.number})
    return redirect("ops-settlement:export", export_id=export.pk)


def _export_or_404(export_id: int) -> SettlementExport:
    export = SettlementExport.objects.select_related("created_by").filter(pk=export_id).first()
    if export is None:
        raise Http404
    return export


@insurer_view(roles=VIEWER_ROLES)
def export_detail(request, export_id: int) -> HttpResponse:
    export = _export_or_404(export_id)
    return render(
        request,
        "settlement/ops/export.html",
        {
            "export": export,
            "batches": selectors.batches_of_export(export=export),
            "confirmations": selectors.confirmations_of_export(export=export),
            "form": ConfirmationForm(),
            "may_act": request.user.has_insurer_role(*SETTLEMENT_ROLES),
            "max_megabytes": MAX_CONFIRMATION_BYTES // (1024 * 1024),
        },
    )


@insurer_view(roles=VIEWER_ROLES)
def export_progress(request, export_id: int) -> HttpResponse:
    """The progress bar, polled by the export's page while the file is being written."""
    return render(
        request, "settlement/ops/_export_progress.html", {"export": _export_or_404(export_id)}
    )


@insurer_view(roles=VIEWER_ROLES)
def export_file(request, export_id: int, kind: str) -> FileResponse:
    export = _export_or_404(export_id)
    name = {"csv": export.csv_file, "xlsx": export.xlsx_file}.get(kind)
    if not name:
        raise Http404
    path = Path(private_storage().path(name))
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_POST
@insurer_view(roles=SETTLEMENT_ROLES)
def export_repeat(request, export_id: int) -> HttpResponse:
    export = _export_or_404(export_id)
    try:
        settlement_export_repeat(export=export, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("The file is being written again; it must come out byte for byte the same.")
        )
    return redirect("ops-settlement:export", export_id=export.pk)


@require_POST
@insurer_view(roles=SETTLEMENT_ROLES)
def confirmation_upload(request, export_id: int) -> HttpResponse:
    export = _export_or_404(export_id)
    form = ConfirmationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            confirmation = settlement_confirmation_upload(
                export=export, upload=form.cleaned_data["file"], actor=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("The file is being checked line by line."))
            return redirect("ops-settlement:confirmation", confirmation_id=confirmation.pk)
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("file", [])))
    return redirect("ops-settlement:export", export_id=export.pk)


def _confirmation_or_404(confirmation_id: int) -> SettlementConfirmation:
    confirmation = (
        SettlementConfirmation.objects.select_related("export", "imported_by")
        .filter(pk=confirmation_id)
        .first()
    )
    if confirmation is None:
        raise Http404
    return confirmation


@insurer_view(roles=VIEWER_ROLES)
def confirmation_detail(request, confirmation_id: int) -> HttpResponse:
    confirmation = _confirmation_or_404(confirmation_id)
    kind = request.GET.get("kind", "")
    if kind not in SettlementMismatch.Kind.values:
        kind = ""
    mismatches = selectors.mismatches_of(confirmation=confirmation, kind=kind)
    if request.GET.get("format") == "xlsx":
        return _mismatches_xlsx(confirmation, mismatches)
    page = Paginator(mismatches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/ops/confirmation.html",
        {
            "confirmation": confirmation,
            "export": confirmation.export,
            "page": page,
            "mismatches": page.object_list,
            "kind": kind,
            "kinds": SettlementMismatch.Kind.choices,
            "progress": selectors.confirmation_progress(confirmation=confirmation),
        },
    )


@insurer_view(roles=VIEWER_ROLES)
def confirmation_progress(request, confirmation_id: int) -> HttpResponse:
    confirmation = _confirmation_or_404(confirmation_id)
    return render(
        request,
        "settlement/ops/_confirmation_progress.html",
        {
            "confirmation": confirmation,
            "progress": selectors.confirmation_progress(confirmation=confirmation),
        },
    )


def _mismatches_xlsx(confirmation: SettlementConfirmation, mismatches) -> HttpResponse:
    def write(book) -> None:
        sheet = book.sheet(
            _("Differences"),
            [
                Column(_("Difference"), width=28),
                Column(pgettext("settlement item", "Item"), NUMBER, 12),
                Column(_("Line in the file"), NUMBER, 10),
                Column(_("Policy number"), width=20),
                Column(_("Agency code"), width=12),
                Column(_("Exported amount (rials)"), NUMBER, 18),
                Column(_("Confirmed amount (rials)"), NUMBER, 18),
            ],
        )
        for mismatch in mismatches.iterator(chunk_size=2000):
            item = mismatch.item
            agency = item.agency if item is not None else None
            sheet.row(
                [
                    mismatch.get_kind_display(),
                    int(mismatch.item_reference) if mismatch.item_reference.isdigit() else None,
                    mismatch.line_number,
                    mismatch.policy_number,
                    str(agency.code) if agency is not None else "",
                    mismatch.expected_amount,
                    mismatch.confirmed_amount,
                ]
            )

    return xlsx_response(f"differences-{confirmation.export.number}-{confirmation.pk}.xlsx", write)


@insurer_view(roles=VIEWER_ROLES)
def batch_detail(request, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(batch_id=batch_id)
    if batch is None:
        raise Http404
    page = Paginator(selectors.items_of_batch(batch=batch), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(SettlementItem.State.choices)
    for item in page.object_list:
        item.answer_label = labels.get(item.answer_state, "")  # type: ignore[attr-defined]
    return render(
        request,
        "settlement/ops/batch.html",
        {"batch": batch, "page": page, "items": page.object_list},
    )
