"""SMS templates in the agency panel (decision 035): the list, the editor with its
placeholder picker and live preview (HTMX), and deletion. Owners and managers write; staff
read and preview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.sms.parts import Line, sms_cost, sms_size
from crm.selectors.names import user_names
from messaging.forms import SmsTemplateForm, SmsTemplateSearch
from messaging.models import SmsTemplate
from messaging.placeholders import body_to_canonical, placeholders_by_group
from messaging.rendering import compile_template
from messaging.selectors import (
    preview_customer,
    preview_subject,
    sms_template_get,
    sms_template_list,
)
from messaging.services import (
    DELETED,
    sms_template_create,
    sms_template_delete,
    sms_template_update,
)
from tenants.panel.base import panel_view

PAGE_SIZE = 50


def _list_url() -> str:
    return reverse("panel-sms-templates:list")


def _forbidden(request) -> HttpResponse:
    return render(request, "tenants/panel/forbidden.html", {"agency": request.agency}, status=403)


@panel_view
def template_list_view(request) -> HttpResponse:
    search = SmsTemplateSearch(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(sms_template_list(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    templates = list(page.object_list)
    names = user_names(t.updated_by_user_id for t in templates)
    return render(
        request,
        "messaging/templates/list.html",
        {
            "agency": request.agency,
            "page": page,
            "rows": [(t, names.get(t.updated_by_user_id or 0, "")) for t in templates],
            "search": search,
            "query": urlencode({"q": query}) if query else "",
            "can_manage": request.membership.can_manage,
        },
    )


def _editor(request, form: SmsTemplateForm, template: SmsTemplate | None) -> HttpResponse:
    return render(
        request,
        "messaging/templates/form.html",
        {
            "agency": request.agency,
            "form": form,
            "template": template,
            "groups": placeholders_by_group(),
            "can_manage": request.membership.can_manage,
        },
    )


@panel_view(manage=True)
def template_create_view(request) -> HttpResponse:
    form = SmsTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sms_template_create(agency=request.agency, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_list_url())
    return _editor(request, form, None)


@panel_view
def template_edit_view(request, template_id: int) -> HttpResponse:
    template = sms_template_get(template_id=template_id)
    if template is None:
        raise Http404
    if request.method == "POST" and not request.membership.can_manage:
        return _forbidden(request)
    initial = SmsTemplateForm.initial_of(template)
    form = SmsTemplateForm(request.POST or None, initial=initial)
    if not request.membership.can_manage:
        form.disable()
    if request.method == "POST" and form.is_valid():
        try:
            sms_template_update(
                agency=request.agency, actor=request.user, template=template, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_list_url())
    return _editor(request, form, template)


@require_POST
@panel_view(manage=True)
def template_delete_view(request, template_id: int) -> HttpResponse:
    template = sms_template_get(template_id=template_id)
    if template is None:
        raise Http404
    outcome = sms_template_delete(agency=request.agency, actor=request.user, template=template)
    if outcome == DELETED:
        messages.success(request, _("The template was deleted."))
    else:
        messages.info(
            request,
            _("The template is in use, so it was deactivated rather than deleted."),
        )
    return redirect(_list_url())


@panel_view
def template_preview_view(request) -> HttpResponse:
    """The editor's live preview (an HTMX fragment): the text with a real customer's values,
    its length, encoding, parts, room left in the last part and the cost of one message."""
    data = request.POST if request.method == "POST" else request.GET
    body, line = data.get("body"), data.get("line", "")
    stored = None
    if body is None and data.get("template", "").isdigit():
        stored = sms_template_get(template_id=int(data["template"]))
    if stored is not None:
        canonical, line = stored.body, stored.line
    else:
        try:
            canonical = body_to_canonical(body or "")
        except ValidationError as error:
            return render(
                request,
                "messaging/templates/_preview.html",
                {"errors": error.messages},
            )
    if line not in Line.values:
        line = Line.SERVICE
    customer = preview_customer(query=data.get("customer_q", "").strip())
    subject = preview_subject(agency=request.agency, customer=customer) if customer else None
    text, sampled = compile_template(canonical).render_sample(subject)
    size = sms_size(text)
    context: dict[str, Any] = {
        "customer": customer,
        "searched": bool(data.get("customer_q", "").strip()),
        "text": text,
        "sampled": sampled,
        "size": size,
        "unicode": size.encoding == "ucs2",
        "cost": sms_cost(size.parts, line),
        "line_label": Line(line).label,
    }
    return render(request, "messaging/templates/_preview.html", context)
