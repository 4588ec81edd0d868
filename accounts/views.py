"""Sign-up / login by SMS code and the customer's profile, on every host."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import CodeForm, MobileForm, ProfileForm
from accounts.utils import client_ip

SESSION_MOBILE = "otp_mobile"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def login_start(request):
    """Step 1: the mobile number. Sends a code and moves on to step 2."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = MobileForm(request.POST or None, initial={"mobile": request.session.get(SESSION_MOBILE, "")})
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            services.otp_request(
                mobile=mobile,
                ip_address=client_ip(request),
                agency_id=getattr(getattr(request, "agency", None), "pk", None),
            )
        except services.OtpThrottled as error:
            form.add_error(None, error)
        else:
            request.session[SESSION_MOBILE] = mobile
            messages.success(request, _("A code was sent to %(mobile)s.") % {"mobile": mobile})
            query = urlencode({"next": _next_url(request)})
            return redirect(f"{reverse('accounts:verify')}?{query}")
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def login_verify(request):
    """Step 2: the code. Logs in (creating the account on first use)."""
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.otp_verify(
                mobile=mobile,
                code=form.cleaned_data["code"],
                ip_address=client_ip(request),
                signup_agency=getattr(request, "agency", None),
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            login(request, result.user, backend="accounts.backends.MobileBackend")
            request.session.pop(SESSION_MOBILE, None)
            if result.created:
                messages.success(request, _("Welcome! Your account was created."))
            return redirect(_next_url(request))
    return render(
        request, "accounts/verify.html", {"form": form, "mobile": mobile, "next": _next_url(request)}
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")


@login_required
def profile(request):
    user = request.user
    initial = {name: getattr(user, name) for name in ProfileForm.base_fields}
    form = ProfileForm(request.POST or None, initial=initial, locked=user.identity_locked)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data if not form.fields[name].disabled}
        try:
            services.user_profile_update(user=user, actor=user, **fields)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
