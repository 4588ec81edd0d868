"""Site and line control on the ops host (S-1.5): branch managers file requests, operators
approve or reject them; every request is the history of who asked, who decided and when."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import insurer_view
from core.forms import Form, MultilineTextField
from core.text import normalize_identifier
from tenants.control import (
    DECIDE_ROLES,
    REQUEST_ROLES,
    control_request_decide,
    control_request_file,
    line_choices,
)
from tenants.models import Agency, ControlRequest

PAGE_SIZE = 50


class RequestForm(Form):
    agency = forms.CharField(label=gettext_lazy("Agency code"), max_length=10)
    kind = forms.ChoiceField(label=gettext_lazy("Request"), choices=ControlRequest.Kind.choices)
    line_code = forms.ChoiceField(label=gettext_lazy("Line"), required=False)
    reason = MultilineTextField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, lines: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_code"].choices = [("", "—"), *lines]  # type: ignore[attr-defined]

    def clean_agency(self) -> Agency:
        code = normalize_identifier(self.cleaned_data["agency"]).lower().removeprefix("ar")
        agency = Agency.objects.filter(code=int(code)).first() if code.isdigit() else None
        if agency is None or agency.schema_name == "public":
            raise forms.ValidationError(_("No agency has this code."))
        return agency


def _page(request, form: RequestForm, status: int = 200) -> HttpResponse:
    state = request.GET.get("state", "")
    requests = ControlRequest.objects.select_related("agency", "requested_by", "decided_by")
    if state in ControlRequest.State.values:
        requests = requests.filter(state=state)
    code = normalize_identifier(request.GET.get("agency", "")).lower().removeprefix("ar")
    if code.isdigit():
        requests = requests.filter(agency__code=int(code))
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(line_choices())
    return render(
        request,
        "tenants/ops/control.html",
        {
            "form": form,
            "page": page,
            "requests": [(item, names.get(item.line_code, "")) for item in page.object_list],
            "state": state,
            "states": ControlRequest.State.choices,
            "may_request": request.user.has_insurer_role(*REQUEST_ROLES),
            "may_decide": request.user.has_insurer_role(*DECIDE_ROLES),
        },
        status=status,
    )


@insurer_view
def control_list(request) -> HttpResponse:
    form = RequestForm(request.POST or None, lines=line_choices())
    if request.method != "POST":
        return _page(request, form)
    if not request.user.has_insurer_role(*REQUEST_ROLES):
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            control_request_file(
                agency=data["agency"],
                kind=data["kind"],
                line_code=data["line_code"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Request filed; an operator will decide it."))
            return redirect("ops-control:list")
    return _page(request, form, status=400)


@require_POST
@insurer_view(roles=DECIDE_ROLES)
def control_decide(request, request_id: int) -> HttpResponse:
    item = ControlRequest.objects.filter(pk=request_id).first()
    if item is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        control_request_decide(
            request=item, approve=approve, actor=request.user, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("Approved and applied.") if approve else _("Rejected."))
    return redirect("ops-control:list")
