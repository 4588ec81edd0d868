"""Storefront pages shared by the main site and every agency site."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from tenants.content.models import Page
from tenants.content.selectors import site_banners_active, site_pages_published, site_settings_get
from tenants.selectors import agency_directory
from tenants.storefront import home_actions


def home(request):
    """The main site's home, or an agency site's home with its name, contact and location."""
    context = {
        "site_settings": site_settings_get(),
        "banners": site_banners_active(),
        "agency": request.agency,
        "site_pages": site_pages_published(),
        "home_actions": home_actions(main=request.agency is None),
    }
    if request.agency is None:
        context["agencies"] = agency_directory(limit=12)
    template = "tenants/agency_home.html" if request.agency else "tenants/main_home.html"
    return render(request, template, context)


def page_detail(request, slug: str):
    page = Page.objects.filter(slug=slug, is_published=True).first()
    if page is None:
        raise Http404
    return render(
        request,
        "tenants/page.html",
        {"page": page, "site_settings": site_settings_get(), "agency": request.agency},
    )
