"""Commissions on the ops host (S-5.3): the statements of every agency with their
reconciliation with settlement, building a month's statements, recording payouts and the
rate table. Operators, branch managers and admins see it; operators and admins act on it;
only admins add rates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import insurer_view
from core.jalali import tehran
from core.money import format_rials
from core.templatetags.jalali import fa_digits
from policies.models import Line
from settlement.commission_forms import PayoutForm, RateForm, StatementBuildForm, StatementFilter
from settlement.models import CommissionRate, CommissionStatement
from settlement.selectors_statements import commission_rates, commission_statement_get
from settlement.selectors_statements import commission_statements as statements_query
from settlement.services.commissions import commission_rate_add
from settlement.services.statements import (
    BUILD_ROLES,
    PAYOUT_ROLES,
    commission_payout_record,
    commission_statements_build,
    last_ended_month,
    month_of,
)
from settlement.statement_files import (
    statement_context,
    statement_pdf_response,
    statement_xlsx_response,
)
from tenants.models import Agency

VIEWER_ROLES = ("operator", "branch_manager", "admin")
RATE_ROLES = ("admin",)
PAGE_SIZE = 50
LINES_PAGE_SIZE = 200


def _refusal_to_form(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _rate_rows() -> list[tuple[CommissionRate, str, str]]:
    kinds = dict(Agency.Kind.choices)
    lines = {line.code: line.display_name for line in Line.objects.all()}
    return [
        (
            rate,
            str(kinds.get(rate.agency_kind, rate.agency_kind))
            if rate.agency_kind
            else _("Every kind"),
            _("Every line")
            if rate.line_code == CommissionRate.ANY_LINE
            else lines.get(rate.line_code, rate.line_code),
        )
        for rate in commission_rates()
    ]


def _home(
    request,
    *,
    build_form: StatementBuildForm | None = None,
    rate_form: RateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    filter_form = StatementFilter(params or None)
    statements = statements_query(**filter_form.filters())
    if filter_form.is_bound and not filter_form.is_valid():
        statements = statements.none()
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    last = last_ended_month()
    return render(
        request,
        "settlement/ops/commissions.html",
        {
            "filter_form": filter_form,
            "page": page,
            "statements": page.object_list,
            "query": params.urlencode(),
            "build_form": build_form
            or StatementBuildForm(initial={"jalali_year": last.year, "jalali_month": last.month}),
            "rate_form": rate_form or RateForm(),
            "rates": _rate_rows(),
            "may_build": request.user.has_insurer_role(*BUILD_ROLES),
            "may_add_rate": request.user.has_insurer_role(*RATE_ROLES),
        },
        status=status,
    )


@insurer_view(roles=VIEWER_ROLES)
def home(request) -> HttpResponse:
    return _home(request)


@require_POST
@insurer_view(roles=BUILD_ROLES)
def statements_build(request) -> HttpResponse:
    form = StatementBuildForm(request.POST)
    if not form.is_valid():
        return _home(request, build_form=form, status=400)
    year, month = form.cleaned_data["jalali_year"], form.cleaned_data["jalali_month"]
    try:
        built = commission_statements_build(
            jalali_year=year, jalali_month=month, actor=request.user
        )
    except ValidationError as error:
        _refusal_to_form(form, error)
        return _home(request, build_form=form, status=400)
    label = month_of(jalali_year=year, jalali_month=month).label
    if built:
        messages.success(
            request,
            _("%(count)s statements were built for %(month)s.")
            % {"count": fa_digits(len(built)), "month": label},
        )
    else:
        messages.info(
            request,
            _("No new statement for %(month)s: every commission up to its end is on one already.")
            % {"month": label},
        )
    query = urlencode({"jalali_year": year, "jalali_month": month})
    return redirect(f"{reverse('ops-commissions:home')}?{query}")


@require_POST
@insurer_view(roles=RATE_ROLES)
def rate_add(request) -> HttpResponse:
    form = RateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            commission_rate_add(
                agency_kind=data["agency_kind"],
                line_code=data["line_code"],
                percent=data["percent"],
                effective_from=data["effective_from"],
                actor=request.user,
            )
        except ValidationError as error:
            _refusal_to_form(form, error)
        else:
            messages.success(request, _("The rate was added."))
            return redirect("ops-commissions:home")
    return _home(request, rate_form=form, status=400)


def _statement_or_404(statement_id: int) -> CommissionStatement:
    statement = commission_statement_get(statement_id=statement_id)
    if statement is None:
        raise Http404
    return statement


def _detail(
    request, statement: CommissionStatement, *, payout_form: PayoutForm | None = None
) -> HttpResponse:
    context: dict[str, Any] = statement_context(statement)
    page = Paginator(context["lines"], LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate(timezone=tehran())
    context.update(
        page=page,
        lines=page.object_list,
        payout_form=payout_form
        or PayoutForm(initial={"paid_on": today, "amount": format_rials(statement.outstanding)}),
        may_pay=request.user.has_insurer_role(*PAYOUT_ROLES) and statement.outstanding > 0,
        query="",
    )
    return render(
        request,
        "settlement/ops/statement.html",
        context,
        status=400 if payout_form is not None else 200,
    )


@insurer_view(roles=VIEWER_ROLES)
def statement_detail(request, statement_id: int) -> HttpResponse:
    return _detail(request, _statement_or_404(statement_id))


@require_POST
@insurer_view(roles=PAYOUT_ROLES)
def payout_record(request, statement_id: int) -> HttpResponse:
    statement = _statement_or_404(statement_id)
    form = PayoutForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            commission_payout_record(
                statement=statement,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            _refusal_to_form(form, error)
        else:
            messages.success(request, _("The payout was recorded."))
            return redirect("ops-commissions:statement", statement_id=statement.pk)
    # Shown as it is now: the refusal may come from someone else's payout.
    return _detail(request, _statement_or_404(statement_id), payout_form=form)


@insurer_view(roles=VIEWER_ROLES)
def statement_pdf(request, statement_id: int) -> HttpResponse:
    return statement_pdf_response(_statement_or_404(statement_id))


@insurer_view(roles=VIEWER_ROLES)
def statement_xlsx(request, statement_id: int) -> HttpResponse:
    return statement_xlsx_response(_statement_or_404(statement_id))
