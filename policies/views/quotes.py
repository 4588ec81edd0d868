"""Premium inquiry pages (S-2.1): no account needed, on the main site and every agency site."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from policies.forms import answers_form_class, form_add_errors
from policies.presentation import answers_shown
from policies.selectors import line_get_for_site, lines_for_site
from policies.services.events import Origin
from policies.services.quotes import quote_create, quote_get


def lines(request):
    """The lines of insurance on sale on this site."""
    return render(request, "policies/lines.html", {"lines": lines_for_site(agency=request.agency)})


@require_http_methods(["GET", "POST"])
def quote(request, code: str):
    """A line's questions; on submit, the premium and its breakdown."""
    line = line_get_for_site(code=code, agency=request.agency)
    if line is None:
        raise Http404
    form_class = answers_form_class(line=line, stage="quote")
    if request.method == "POST":
        form = form_class(request.POST)
        form.is_valid()
        try:
            created = quote_create(
                line=line.code,
                answers=request.POST,
                agency=request.agency,
                user=request.user,
                origin=Origin.of(request),
                defer=True,
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            return redirect("policies:quote-detail", public_id=created.public_id)
    else:
        form = form_class(initial=_initial(request, form_class))
    return render(request, "policies/quote_form.html", {"line": line, "form": form})


def _initial(request, form_class) -> dict:
    """Answers carried over from a previous quote ("change answers")."""
    try:
        source = uuid.UUID(request.GET.get("from", ""))
    except ValueError:
        return {}
    previous = quote_get(public_id=source, agency=request.agency)
    return dict(previous.answers) if previous else {}


def quote_detail(request, public_id):
    """A quote made on this site: premium, breakdown, and the way to buy it."""
    found = quote_get(public_id=public_id, agency=request.agency)
    if found is None:
        raise Http404
    questions = [q for q in found.line.questions.all() if q.stage == "quote"]
    return render(
        request,
        "policies/quote_detail.html",
        {"quote": found, "answers": answers_shown(questions, found.answers)},
    )
