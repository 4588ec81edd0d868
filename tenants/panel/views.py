"""The agency panel (S-4): login and dashboard."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.selectors import membership_get, memberships_for
from tenants.hosts import agency_site_url
from tenants.panel.base import SESSION_AGENCY, panel_view
from tenants.panel.dashboard import PERIODS, collect, period_for


def panel_login(request):
    """Staff log in with the same SMS code as customers; then the dashboard."""
    if request.user.is_authenticated:
        return redirect("panel:dashboard")
    return redirect(
        f"{reverse('accounts:login')}?{urlencode({'next': reverse('panel:dashboard')})}"
    )


@panel_view
def dashboard(request):
    """Figures and charts of the chosen period, from every app that registered some."""
    period = period_for(request.GET.get("period"))
    cards, charts = collect(agency=request.agency, period=period, membership=request.membership)
    return render(
        request,
        "tenants/panel/dashboard.html",
        {
            "membership": request.membership,
            "agency": request.agency,
            "memberships": memberships_for(user=request.user),
            "agency_url": agency_site_url(request.agency),
            "period": period,
            "periods": PERIODS,
            "cards": cards,
            "charts": [(chart, chart.as_data()) for chart in charts],
        },
    )


@require_POST
def switch_agency(request, agency_id: int):
    """Work for another of the user's agencies; any other agency id is a 404."""
    if (
        not request.user.is_authenticated
        or membership_get(user=request.user, agency_id=agency_id) is None
    ):
        raise Http404
    request.session[SESSION_AGENCY] = agency_id
    return redirect("panel:dashboard")
