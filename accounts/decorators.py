"""Page guards for the insurer's own staff."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

STAFF_ROLES = ("operator", "branch_manager", "marketing", "admin")
# The insurer's branch: who may open the issuance queue, referrals, settlement, the audit log.
BRANCH_ROLES = ("operator", "branch_manager", "admin")


def insurer_view(view=None, *, roles: tuple[str, ...] = STAFF_ROLES):
    """Anonymous visitors log in first; anyone without one of ``roles`` gets 404, as for any
    page they may not know about."""
    if view is None:
        return lambda inner: insurer_view(inner, roles=roles)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=settings.LOGIN_URL)
        if not request.user.has_insurer_role(*roles):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
