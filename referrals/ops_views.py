"""Referrals on the ops host: the operator's knobs (K, R, growth, T, N, on/off), the orders
being offered now, and the whole record of one order's referral."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalField, ModelForm
from policies.ops_views import ops_view
from policies.selectors_issuance import order_get_for_insurer
from referrals.models import Referral, ReferralSettings
from referrals.selectors import referral_settings, referral_timeline, referrals_open
from referrals.services import referral_settings_update

# Who may change how orders are referred (everyone with an insurer role may look).
SETTINGS_ROLES = ("branch_manager", "admin")
RECENT = 30


class SettingsForm(ModelForm):
    class Meta:
        model = ReferralSettings
        fields = [
            "enabled",
            "wave_size",
            "first_radius_km",
            "radius_growth",
            "offer_minutes",
            "max_waves",
        ]
        field_classes = {"first_radius_km": DecimalField, "radius_growth": DecimalField}


@ops_view
def referrals_home(request) -> HttpResponse:
    config = referral_settings()
    may_change = request.user.has_insurer_role(*SETTINGS_ROLES)
    form = SettingsForm(instance=config)
    status = 200
    if request.method == "POST":
        if not may_change:
            raise Http404
        form = SettingsForm(request.POST, instance=ReferralSettings.objects.get(pk=config.pk))
        if form.is_valid():
            try:
                referral_settings_update(
                    actor=request.user,
                    **{name: form.cleaned_data[name] for name in SettingsForm.Meta.fields},
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Referral settings saved; new referrals use them."))
                return redirect("ops-referrals:home")
        status = 400
    closed = (
        Referral.objects.exclude(state=Referral.State.OPEN)
        .select_related("order__line", "agency")
        .order_by("-closed_at", "-id")[:RECENT]
    )
    return render(
        request,
        "referrals/ops/home.html",
        {
            "form": form,
            "may_change": may_change,
            "config": config,
            "radii": [config.radius_km(wave) for wave in range(1, config.max_waves + 1)],
            "open_referrals": referrals_open(),
            "closed": closed,
        },
        status=status,
    )


@ops_view
def referral_detail(request, order_id) -> HttpResponse:
    order = order_get_for_insurer(public_id=order_id)
    if order is None:
        raise Http404
    referral = Referral.objects.filter(order=order).select_related("agency").first()
    return render(
        request,
        "referrals/ops/detail.html",
        {
            "order": order,
            "referral": referral,
            "offers": referral.offers.select_related("agency").order_by("wave", "distance_m")
            if referral
            else [],
            "events": referral_timeline(order=order),
        },
    )
