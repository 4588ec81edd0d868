"""Which lines an agency sells on its site, within what the insurer allows (S-4.3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from policies.models import AgencyLine, Line
from policies.services.catalog import agency_line_offer_set
from tenants.panel.base import panel_view


@panel_view(manage=True)
def lines(request) -> HttpResponse:
    settings_by_line = {
        setting.line_id: setting for setting in AgencyLine.objects.filter(agency=request.agency)
    }
    all_lines = list(Line.objects.filter(is_active=True).order_by("position", "id"))
    if request.method == "POST":
        wanted = set(request.POST.getlist("offered"))
        refused = []
        for line in all_lines:
            setting = settings_by_line.get(line.pk)
            offered_now = setting.offered if setting else True
            offered = str(line.pk) in wanted
            allowed = setting.allowed if setting else True
            if not allowed and not offered:
                continue  # shown switched off and greyed out: nothing to change
            if offered == offered_now and allowed:
                continue
            try:
                agency_line_offer_set(
                    agency=request.agency, line=line, offered=offered, actor=request.user
                )
            except ValidationError as error:
                refused += error.messages
        for message in refused:
            messages.error(request, message)
        if not refused:
            messages.success(request, _("Saved."))
        return redirect("panel-lines:lines")
    rows = []
    for line in all_lines:
        setting = settings_by_line.get(line.pk)
        rows.append(
            {
                "line": line,
                "allowed": setting.allowed if setting else True,
                "offered": setting.offered if setting else True,
            }
        )
    return render(request, "policies/panel/lines.html", {"agency": request.agency, "rows": rows})
