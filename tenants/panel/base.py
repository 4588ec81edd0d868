"""The panel's edge: resolve the agency once, check membership and that the agency is active,
enter its schema (STYLE §3)."""

from __future__ import annotations

from functools import partial, wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import render

from accounts.selectors import membership_get, memberships_for
from tenants.models import Agency
from tenants.services import AgencyNotActive

SESSION_AGENCY = "panel_agency_id"


def _first_membership(user):
    """The user's first agency, an active one before any other."""
    return (
        memberships_for(user=user)
        .annotate(
            inactive=Case(
                When(agency__status=Agency.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("inactive", "agency__code")
        .first()
    )


def agency_inactive_response(request, membership, status: str):
    """The Persian page a member of a suspended or pending agency gets for every panel URL
    (403): why, whom to ask, and the user's other agencies to switch to. An HTMX fragment
    request gets the same answer with ``HX-Refresh``, so the page around it reloads into it."""
    others = [
        other
        for other in memberships_for(user=request.user)
        if other.agency_id != membership.agency_id and other.agency.status == Agency.Status.ACTIVE
    ]
    response = render(
        request,
        "tenants/panel/agency_inactive.html",
        {
            "agency": membership.agency,
            "status": status,
            "branch": membership.agency.branch,
            "others": others,
        },
        status=403,
    )
    response["Cache-Control"] = "no-store"
    if request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def panel_view(view=None, *, manage: bool = False):
    """Decorate a panel view: ``request.membership`` and ``request.agency`` are set, and the
    connection is in the agency's schema for the length of the view.

    An anonymous visitor is sent to the login page (and back afterwards). The agency is
    the one chosen with the switch view, if the user still belongs to it, else their
    first (an active one first); a user who belongs to no agency gets 404, like any other
    page they may not see. A member of a suspended or pending agency gets the Persian
    "agency not active" page (403) for every view, whatever their role, and so does a view
    whose service found the agency stopped while the request was under way. With
    ``manage=True`` only owners and managers pass; staff get a 403 page that says so.
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
            membership = _first_membership(request.user)
        if membership is None:
            raise Http404("No agency for this user.")
        if agency_id != membership.agency_id:
            request.session[SESSION_AGENCY] = membership.agency_id
        request.membership = membership
        request.agency = membership.agency
        if membership.agency.status != Agency.Status.ACTIVE:
            return agency_inactive_response(request, membership, membership.agency.status)
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
        except AgencyNotActive as stopped:
            # Suspended while this request was under way: the service refused and rolled back.
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            return agency_inactive_response(request, membership, stopped.status)
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]

    # Read by the nav's test: an entry is manage-only exactly when its page is.
    wrapper.panel_manage = manage  # type: ignore[attr-defined]
    return wrapper
