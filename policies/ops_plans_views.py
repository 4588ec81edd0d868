"""Sales plans on the ops host (S-5.4): marketing submits, an operator approves or rejects."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import insurer_view
from core.forms import DecimalField, Form, JalaliDateField, TextField
from core.text import normalize_identifier
from policies.models import Line, SalesPlan
from policies.services.plans import (
    DECIDE_ROLES,
    SUBMIT_ROLES,
    sales_plan_decide,
    sales_plan_submit,
)
from tenants.models import Agency


class PlanForm(Form):
    title = TextField(label=gettext_lazy("Title"), max_length=120)
    discount_percent = DecimalField(
        label=gettext_lazy("Discount (%)"), max_digits=5, decimal_places=2
    )
    lines = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Lines"),
        queryset=Line.objects.filter(is_active=True).order_by("position", "id"),
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.CharField(
        label=gettext_lazy("Only these agencies (codes, optional)"), required=False, max_length=500
    )
    starts_on = JalaliDateField(label=gettext_lazy("First day"))
    ends_on = JalaliDateField(label=gettext_lazy("Last day"))

    def clean_agencies(self) -> list[Agency]:
        parts = (self.cleaned_data.get("agencies") or "").replace("،", ",").split(",")
        codes = [code for code in map(normalize_identifier, parts) if code]
        if any(not code.isdigit() for code in codes):
            raise forms.ValidationError(_("Write agency codes separated by commas."))
        found = list(Agency.objects.filter(code__in=[int(code) for code in codes]))
        missing = sorted(set(codes) - {str(agency.code) for agency in found})
        if missing:
            raise forms.ValidationError(
                _("No agency has the code %(codes)s.") % {"codes": "، ".join(missing)}
            )
        return found


def _page(request, form: PlanForm, status: int = 200) -> HttpResponse:
    plans = SalesPlan.objects.select_related("submitted_by", "decided_by").prefetch_related(
        "lines", "agencies"
    )[:100]
    return render(
        request,
        "policies/ops/plans.html",
        {
            "form": form,
            "plans": plans,
            "may_submit": request.user.has_insurer_role(*SUBMIT_ROLES),
            "may_decide": request.user.has_insurer_role(*DECIDE_ROLES),
        },
        status=status,
    )


@insurer_view
def plans(request) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method != "POST":
        return _page(request, form)
    if not request.user.has_insurer_role(*SUBMIT_ROLES):
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            sales_plan_submit(
                actor=request.user,
                title=data["title"],
                discount_percent=data["discount_percent"],
                lines=list(data["lines"]),
                agencies=data["agencies"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Plan submitted; it applies once an operator approves it."))
            return redirect("ops-plans:list")
    return _page(request, form, status=400)


@require_POST
@insurer_view(roles=DECIDE_ROLES)
def plan_decide(request, plan_id: int) -> HttpResponse:
    plan = SalesPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        sales_plan_decide(
            plan=plan, approve=approve, actor=request.user, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("ops-plans:list")
