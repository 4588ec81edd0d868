from __future__ import annotations

from tenants.content.models import Banner, Page, SiteSettings


def site_settings_get() -> SiteSettings:
    """The current schema's site settings (an unsaved default if none exist yet)."""
    return SiteSettings.objects.first() or SiteSettings()


def site_pages_published() -> list[Page]:
    return list(Page.objects.filter(is_published=True))


def site_banners_active() -> list[Banner]:
    return list(Banner.objects.filter(is_active=True))
