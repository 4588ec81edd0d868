"""The customer's advice requests on the main site (S-8.2): post one, follow its answers
(agencies anonymised as "Agency 1, 2…"), accept one, cancel, rate. Agency sites send the
"ask for advice" button to the main site, where the insurer's agencies compete; the other
pages answer 404 there (an agency site serves that agency's customers only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advice import selectors, services
from advice.forms import RatingForm, RequestForm
from core.forms import add_service_errors
from core.sites import main_site_url

PAGE_SIZE = 20


def _main_site_only(request) -> None:
    if getattr(request, "agency", None) is not None:
        raise Http404


@login_required
def request_list(request) -> HttpResponse:
    _main_site_only(request)
    page = Paginator(selectors.customer_requests(customer=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "advice/list.html", {"page": page, "rows": list(page.object_list)})


def request_new(request) -> HttpResponse:
    if getattr(request, "agency", None) is not None:
        return redirect(main_site_url("/advice/new/"))
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.advice_request_create(
                customer=request.user,
                line_id=data["line"].pk,
                note=data["note"],
                province=data["province"],
                city=data["city"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is posted; agencies near you will answer."))
            return redirect("advice:detail", created.pk)
    return render(request, "advice/new.html", {"form": form})


def _owned(request, advice_request_id: int):
    _main_site_only(request)
    found = selectors.customer_request_get(customer=request.user, request_id=advice_request_id)
    if found is None:
        raise Http404
    return found


@login_required
def request_detail(request, advice_request_id: int) -> HttpResponse:
    advice_request = _owned(request, advice_request_id)
    chosen = advice_request.accepted_answer
    rating = getattr(advice_request, "rating", None)
    return render(
        request,
        "advice/detail.html",
        {
            "advice_request": advice_request,
            "answers": selectors.request_answers(request=advice_request),
            "chosen": chosen,
            "agency": chosen.agency if chosen else None,
            "rating": rating,
            "rating_form": RatingForm() if chosen and rating is None else None,
        },
    )


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_POST
@login_required
def request_accept(request, advice_request_id: int) -> HttpResponse:
    _owned(request, advice_request_id)
    try:
        number = int(request.POST.get("answer", ""))
    except ValueError:
        number = 0
    try:
        services.advice_accept(
            request_id=advice_request_id,
            customer=request.user,
            answer_number=number,
            actor=request.user,
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("You chose an agency; its details are below."))
    return redirect("advice:detail", advice_request_id)


@require_POST
@login_required
def request_cancel(request, advice_request_id: int) -> HttpResponse:
    _owned(request, advice_request_id)
    try:
        services.advice_cancel(
            request_id=advice_request_id, customer=request.user, actor=request.user
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your request is cancelled. You may post a new one."))
    return redirect("advice:detail", advice_request_id)


@require_POST
@login_required
def request_rate(request, advice_request_id: int) -> HttpResponse:
    _owned(request, advice_request_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a score from 1 to 5."))
        return redirect("advice:detail", advice_request_id)
    try:
        services.advice_rate(
            request_id=advice_request_id,
            customer=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            actor=request.user,
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("advice:detail", advice_request_id)
