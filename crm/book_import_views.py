"""Importing other insurers' policies in the panel: upload (checked by core.uploads and
kept in private storage), a preview with every bad row, confirm. The pending import is the
member's own (in their session, for the agency they work in), so no URL names a file.

A file of up to ``SYNC_ROWS`` rows is imported in the request, one above by a tenant task, with
a page showing how far it has gone; a file above ``CHECK_IN_REQUEST_BYTES`` is checked by a
task as well, before its preview (decision 028)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.queue import enqueue_on_commit
from core.storage import private_storage
from core.uploads import spreadsheet_clean
from core.xlsx import xlsx_response
from crm.book_forms import ImportForm
from crm.book_tasks import (
    crm_book_import,
    crm_book_import_check,
    progress_key,
    progress_set,
    report_key,
)
from crm.selectors.book import insurer_choices
from crm.services.book_files import template_write
from crm.services.book_import import ImportReport, book_import_check, book_import_run
from policies.selectors import line_choices
from tenants.panel.base import panel_view

SESSION_KEY = "crm_book_import"
SYNC_ROWS = 2000
# About 2,000 rows of a typical file: above it the upload's check runs in a worker too.
CHECK_IN_REQUEST_BYTES = 256 * 1024
REPORT_SECONDS = 3600


def _pending(request) -> dict[str, Any] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("agency") != request.agency.pk:
        return None
    return pending


def _report(request, pending: dict[str, Any]) -> ImportReport:
    """The check of the pending file (kept an hour; read again when the cache lost it)."""
    schema = request.agency.schema_name
    try:
        report = cache.get(report_key(schema, pending["token"]))
    except Exception:  # noqa: BLE001 - the cache is a shortcut
        report = None
    if report is None:
        with private_storage().open(pending["name"], "rb") as stream:
            report = book_import_check(agency=request.agency, stream=stream, kind=pending["kind"])
        _remember(schema, pending["token"], report)
    return report


def _remember(schema: str, token: str, report: ImportReport) -> None:
    try:
        cache.set(report_key(schema, token), report, REPORT_SECONDS)
    except Exception:  # noqa: BLE001
        return


def _forget(request, pending: dict[str, Any]) -> None:
    private_storage().delete(pending["name"])
    request.session.pop(SESSION_KEY, None)


@panel_view
def import_start(request) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            clean = spreadsheet_clean(upload)
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            previous = _pending(request)
            if previous is not None:
                _forget(request, previous)
            token = uuid.uuid4().hex
            schema = request.agency.schema_name
            name = private_storage().save(
                f"crm-imports/{schema}/{token}.{clean.extension}", clean.as_file(token)
            )
            pending = {
                "agency": request.agency.pk,
                "token": token,
                "name": name,
                "kind": clean.extension,
                "filename": str(upload.name)[:100],
            }
            if clean.size > CHECK_IN_REQUEST_BYTES:
                # A long file is checked by a worker; the progress page leads to the preview.
                progress_set(schema, token, state="queued", done=0, total=0)
                enqueue_on_commit(crm_book_import_check, schema, name, clean.extension, token)
                request.session[SESSION_KEY] = {**pending, "running": True, "rows": None}
                return redirect("crm-book:import-progress")
            with private_storage().open(name, "rb") as stream:
                report = book_import_check(
                    agency=request.agency, stream=stream, kind=clean.extension
                )
            _remember(schema, token, report)
            request.session[SESSION_KEY] = {**pending, "rows": report.rows}
            return redirect("crm-book:import-preview")
    return render(
        request,
        "crm/book/import.html",
        {"agency": request.agency, "form": form, "sync_rows": SYNC_ROWS},
        status=400 if form.is_bound and form.errors else 200,
    )


def _preview(request, pending: dict[str, Any], report: ImportReport, status: int = 200):
    return render(
        request,
        "crm/book/import_preview.html",
        {
            "agency": request.agency,
            "pending": pending,
            "report": report,
            "insurers": dict(insurer_choices()),
            "line_names": dict(line_choices()),
        },
        status=status,
    )


@panel_view
def import_preview(request) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("crm-book:import")
    if pending.get("running"):
        return redirect("crm-book:import-progress")
    report = _report(request, pending)
    return _preview(request, pending, report, status=200 if report.ok else 400)


@require_POST
@panel_view
def import_confirm(request) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("There is no file waiting to be imported; upload it again."))
        return redirect("crm-book:import")
    if pending.get("running"):  # still being checked, or already importing
        return redirect("crm-book:import-progress")
    schema = request.agency.schema_name
    if pending["rows"] > SYNC_ROWS:
        progress_set(schema, pending["token"], state="queued", done=0, total=pending["rows"])
        enqueue_on_commit(
            crm_book_import,
            schema,
            pending["name"],
            pending["kind"],
            pending["token"],
            request.user.pk,
            pending["rows"],
        )
        request.session[SESSION_KEY] = {**pending, "running": True}
        return redirect("crm-book:import-progress")
    with private_storage().open(pending["name"], "rb") as stream:
        report = book_import_run(
            agency=request.agency, actor=request.user, stream=stream, kind=pending["kind"]
        )
    if not report.ok:
        _remember(schema, pending["token"], report)
        return _preview(request, pending, report, status=400)
    _forget(request, pending)
    messages.success(request, _added_message(report.added, report.new_customers))
    return redirect("crm-book:list")


def _added_message(added: int, new_customers: int) -> str:
    from core.digits import localize_digits

    return _(
        "%(added)s policies were added to the book; %(customers)s new prospective customers "
        "were registered."
    ) % {"added": localize_digits(added), "customers": localize_digits(new_customers)}


@panel_view
def import_progress(request) -> HttpResponse:
    """How far the check or the import of a long file has gone; the fragment is polled until
    it is done (a finished check or a refused import lead to the preview)."""
    pending = _pending(request)
    if pending is None or not pending.get("running"):
        return redirect("crm-book:import")
    try:
        state = cache.get(progress_key(request.agency.schema_name, pending["token"])) or {}
    except Exception:  # noqa: BLE001
        state = {}
    if state.get("state") in ("refused", "checked"):  # the preview shows the rows
        request.session[SESSION_KEY] = {
            **pending,
            "running": False,
            "rows": state.get("total") or pending.get("rows"),
        }
        if request.headers.get("HX-Request"):
            refused = HttpResponse(status=204)
            refused["HX-Redirect"] = reverse("crm-book:import-preview")
            return refused
        return redirect("crm-book:import-preview")
    if state.get("state") == "done":
        request.session.pop(SESSION_KEY, None)
    template = (
        "crm/book/_import_progress.html"
        if request.headers.get("HX-Request")
        else "crm/book/import_progress.html"
    )
    response = render(
        request,
        template,
        {"agency": request.agency, "pending": pending, "state": state},
    )
    response["Cache-Control"] = "no-store"
    return response


@panel_view
def import_template(request) -> HttpResponse:
    """The file to fill in: the columns' headers in Persian, right to left, one example."""
    return xlsx_response("book-import.xlsx", template_write)
