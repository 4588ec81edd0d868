"""Cross-agency reports and the audit log on the ops host (being built)."""

from django.http import Http404


def reports_home(request):
    raise Http404


def audit_list(request):
    raise Http404
