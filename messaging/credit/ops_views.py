"""SMS credit on the insurer's ops host: every agency's credit and usage this month (or a
chosen Jalali month) with Excel, and one agency's page with its yearly usage report, its
ledger and the form to top up or adjust its credit. Operators act; branch managers look."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import BRANCH_ROLES, insurer_view
from core.digits import to_latin_digits
from core.jalali import format_jalali_datetime, jalali_month_name, jalali_today
from core.xlsx import NUMBER, Column, XlsxWriter, xlsx_response
from messaging.credit import selectors, services
from messaging.credit.forms import OpsAgencyFilter, OpsCreditForm
from tenants.models import Agency

VIEWER_ROLES = BRANCH_ROLES
CREDIT_ROLES = ("operator", "admin")
PAGE_SIZE = 50
_MONTH = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{1,2})\s*$")


def _month_of(text: str) -> selectors.Month:
    """``1405/09`` (any digits) → that Jalali month; this month when absent or wrong."""
    match = _MONTH.match(to_latin_digits(text or ""))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1300 <= year <= 1500 and 1 <= month <= 12:
            return selectors.jalali_month(year, month)
    return selectors.this_month()


def _month_label(month: selectors.Month) -> str:
    from core.digits import localize_digits

    return localize_digits(f"{jalali_month_name(month.month)} {month.year}")


def _recent_months(count: int = 12) -> list[selectors.Month]:
    today = jalali_today()
    year, month = today.year, today.month
    months = []
    for _n in range(count):
        months.append(selectors.jalali_month(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _list_rows(request):
    form = OpsAgencyFilter(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    month = _month_of(request.GET.get("month", ""))
    agencies = selectors.ops_agencies(query=data.get("q", ""), sort=data.get("sort") or "code")
    return form, month, agencies


@insurer_view(roles=VIEWER_ROLES)
def agencies_view(request) -> HttpResponse:
    form, month, agencies = _list_rows(request)
    page = Paginator(agencies, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    usage = selectors.ops_usage_of(agency_ids=[agency.pk for agency in rows], month=month)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "messaging/ops/agencies.html",
        {
            "form": form,
            "month": month,
            "month_label": _month_label(month),
            "months": [(m.key, _month_label(m)) for m in _recent_months()],
            "page": page,
            "rows": [(agency, usage.get(agency.pk, {})) for agency in rows],
            "query": params.urlencode(),
        },
    )


@insurer_view(roles=VIEWER_ROLES)
def agencies_excel_view(request) -> HttpResponse:
    """Every agency matching the search, with its credit and the month's usage (agencies
    taken a thousand at a time, each thousand with its two usage queries)."""
    _form, month, agencies = _list_rows(request)

    def write(book: XlsxWriter) -> None:
        sheet = book.sheet(
            _("SMS credit"),
            [
                Column(_("Agency code")),
                Column(_("Agency"), width=30),
                Column(_("Credit (rials)"), NUMBER, width=18),
                Column(_("SMS messages"), NUMBER),
                Column(_("Parts"), NUMBER),
                Column(_("Cost (rials)"), NUMBER, width=18),
                Column(_("Last top-up"), width=18),
            ],
        )
        paginator = Paginator(agencies, 1000)
        for number in paginator.page_range:
            rows = list(paginator.page(number).object_list)
            usage = selectors.ops_usage_of(agency_ids=[a.pk for a in rows], month=month)
            for agency in rows:
                used = usage.get(agency.pk, {})
                last = used.get("last_top_up")
                sheet.row(
                    [
                        str(agency.code),
                        agency.name,
                        int(agency.balance),
                        used.get("messages", 0),
                        used.get("parts", 0),
                        int(used.get("cost", 0)),
                        format_jalali_datetime(last["created_at"]) if last else "",
                    ]
                )

    return xlsx_response(f"sms-credit-{month.year}-{month.month:02d}.xlsx", write)


def _agency(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


def _year_of(request) -> int:
    text = to_latin_digits(request.GET.get("year", ""))
    if text.isdigit() and 1300 <= int(text) <= 1500:
        return int(text)
    return jalali_today().year


@insurer_view(roles=VIEWER_ROLES)
def agency_view(request, agency_id: int) -> HttpResponse:
    agency = _agency(agency_id)
    form = OpsCreditForm()
    return _agency_page(request, agency, form)


def _agency_page(request, agency: Agency, form: OpsCreditForm, status: int = 200) -> HttpResponse:
    year = _year_of(request)
    entries = selectors.ledger_list(agency_id=agency.pk)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    usage = selectors.agency_year_usage(agency_id=agency.pk, year=year)
    for row in usage:
        row["label"] = _month_label(row["month"])
    return render(
        request,
        "messaging/ops/agency.html",
        {
            "agency": agency,
            "summary": selectors.credit_summary(agency_id=agency.pk),
            "year": year,
            "years": [jalali_today().year - n for n in range(3)],
            "usage": usage,
            "page": page,
            "entries": page.object_list,
            "form": form,
            "may_act": request.user.has_insurer_role(*CREDIT_ROLES),
            "query": f"year={year}",
        },
        status=status,
    )


@insurer_view(roles=CREDIT_ROLES)
@require_POST
def agency_credit_view(request, agency_id: int) -> HttpResponse:
    agency = _agency(agency_id)
    form = OpsCreditForm(request.POST)
    if form.is_valid():
        try:
            services.ops_credit_record(agency=agency, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            from core.forms import add_service_errors

            add_service_errors(form, error)
        else:
            messages.success(request, _("The agency's SMS credit was recorded."))
            return redirect("ops-sms-credit:agency", agency_id=agency.pk)
    return _agency_page(request, agency, form, status=400)


@insurer_view(roles=VIEWER_ROLES)
def agency_usage_excel_view(request, agency_id: int) -> HttpResponse:
    agency = _agency(agency_id)
    year = _year_of(request)
    usage = selectors.agency_year_usage(agency_id=agency.pk, year=year)

    def write(book: XlsxWriter) -> None:
        sheet = book.sheet(
            _("SMS usage"),
            [
                Column(_("Month"), width=16),
                Column(_("SMS messages"), NUMBER),
                Column(_("Parts"), NUMBER),
                Column(_("Cost (rials)"), NUMBER, width=18),
                Column(_("Delivered"), NUMBER),
                Column(_("Failed"), NUMBER),
                Column(_("Blocked"), NUMBER),
            ],
        )
        for row in usage:
            month = row["month"]
            sheet.row(
                [
                    f"{jalali_month_name(month.month)} {month.year}",
                    row["messages"],
                    row["parts"],
                    int(row["cost"]),
                    row["delivered"],
                    row["failed"],
                    row["blocked"],
                ]
            )

    return xlsx_response(f"sms-usage-{agency.code}-{year}.xlsx", write)
