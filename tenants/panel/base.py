"""The panel's edge: resolve the agency once, check membership, enter its schema (STYLE §3)."""

from __future__ import annotations

from functools import partial, wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404
from django.shortcuts import render

from accounts.selectors import membership_get, memberships_for

SESSION_AGENCY = "panel_agency_id"


def panel_view(view=None, *, manage: bool = False):
    """Decorate a panel view: ``request.membership`` and ``request.agency`` are set, and the
    connection is in the agency's schema for the length of the view.

    An anonymous visitor is sent to the login page (and back afterwards). The agency is
    the one chosen with the switch view, if the user still belongs to it, else their
    first; a user who belongs to no agency gets 404, like any other page they may not see.
    With ``manage=True`` only owners and managers pass; staff get a 403 page that says so.
    """
    if view is None:
        return partial(panel_view, manage=manage)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=settings.LOGIN_URL)
        membership = None
        agency_id = request.session.get(SESSION_AGENCY)
        if agency_id:
            membership = membership_get(user=request.user, agency_id=agency_id)
        if membership is None:
            membership = memberships_for(user=request.user).first()
        if membership is None:
            raise Http404("No agency for this user.")
        if agency_id != membership.agency_id:
            request.session[SESSION_AGENCY] = membership.agency_id
        request.membership = membership
        request.agency = membership.agency
        if manage and not membership.can_manage:
            return render(
                request,
                "tenants/panel/forbidden.html",
                {"agency": membership.agency},
                status=403,
            )
        connection.set_tenant(membership.agency)  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]

    return wrapper
