"""Sign-up / login by SMS code and the customer's profile, on every host."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import hub, services
from accounts.forms import CodeForm, MobileForm, ProfileForm
from accounts.utils import localized_number
from core.http import client_ip

SESSION_MOBILE = "otp_mobile"


def _allowed_hosts(request, candidate: str) -> set[str]:
    """This host, and any other host of the platform: the login is valid on all of them."""
    hosts = {request.get_host()}
    netloc = urlsplit(candidate).netloc
    host = netloc.split(":", 1)[0].lower()
    base = settings.BASE_DOMAIN.lower()
    if "@" not in netloc and (host == base or host.endswith(f".{base}")):
        hosts.add(netloc)
    return hosts


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts=_allowed_hosts(request, candidate),
        require_https=request.is_secure(),
    ):
        return candidate
    return "/"


def _agency_id(request) -> int | None:
    agency = getattr(request, "agency", None)
    return agency.pk if agency is not None else None


def login_start(request):
    """Step 1: the mobile number. Sends a code and moves on to step 2."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    via_hub = hub.redirect_to_hub_for_login(request)
    if via_hub is not None:
        return via_hub
    form = MobileForm(
        request.POST or None, initial={"mobile": request.session.get(SESSION_MOBILE, "")}
    )
    retry_after = None
    unavailable = False
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            services.otp_request(
                mobile=mobile, ip_address=client_ip(request), agency_id=_agency_id(request)
            )
        except services.OtpThrottled as error:
            form.add_error(None, error)
            retry_after = error.retry_after
            unavailable = isinstance(error, services.OtpUnavailable)
        else:
            request.session[SESSION_MOBILE] = mobile
            messages.success(
                request, _("A code was sent to %(mobile)s.") % {"mobile": localized_number(mobile)}
            )
            query = urlencode({"next": _next_url(request)})
            return redirect(f"{reverse('accounts:verify')}?{query}")
    response = render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})
    if retry_after is not None:
        # 503: the throttle could not count the request (Redis down); 429: too many.
        response.status_code = 503 if unavailable else 429
        response["Retry-After"] = str(retry_after)
    return response


def login_verify(request):
    """Step 2: the code. Logs in (creating the account on first use)."""
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile:
        query = urlencode({"next": _next_url(request)})
        return redirect(f"{reverse('accounts:login')}?{query}")
    form = CodeForm(request.POST or None)
    retry_after = None
    unavailable = False
    if request.method == "POST" and form.is_valid():
        try:
            result = services.otp_verify(
                mobile=mobile,
                code=form.cleaned_data["code"],
                ip_address=client_ip(request),
                signup_agency=getattr(request, "agency", None),
            )
        except services.OtpError as error:
            form.add_error("code", error)
            if isinstance(error, services.OtpThrottled):
                retry_after = error.retry_after
                unavailable = isinstance(error, services.OtpUnavailable)
        else:
            login(request, result.user, backend="accounts.backends.MobileBackend")
            request.session.pop(SESSION_MOBILE, None)
            if result.created:
                messages.success(request, _("Welcome! Your account was created."))
            return hub.share_with_hub(request, _next_url(request)) or redirect(_next_url(request))
    response = render(
        request,
        "accounts/verify.html",
        {"form": form, "mobile": mobile, "next": _next_url(request)},
    )
    if retry_after is not None:
        # 503: the throttle could not count the request (Redis down); 429: too many.
        response.status_code = 503 if unavailable else 429
        response["Retry-After"] = str(retry_after)
    return response


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal next to the fields it names (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")


@login_required
def profile(request):
    """The customer's own profile; identity fields are read-only once verified."""
    user = request.user
    initial = {name: getattr(user, name) for name in ProfileForm.base_fields}
    form = ProfileForm(request.POST or None, initial=initial, locked=user.identity_locked)
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if not form.fields[name].disabled
        }
        try:
            services.user_profile_update(user=user, actor=user, **fields)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
