"""Site content: in each agency's schema for its site, and in public for the main site.

Tenant migrations of this app must be pure schema changes (no ``RunPython``): new
agency schemas are built by replaying the migrations' SQL (see docs/migrations.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.text.fields import NormalizedCharField, NormalizedHtmlField


class SiteSettings(models.Model):
    """The look and the fixed texts of one site (one row per schema)."""

    primary_color = models.CharField(_("primary colour"), max_length=7, default="#0d6efd")
    secondary_color = models.CharField(_("secondary colour"), max_length=7, default="#6c757d")
    logo = models.ImageField(_("logo"), upload_to="site/logos/", blank=True)
    headline = NormalizedCharField(_("headline"), max_length=200, blank=True)
    about_text = NormalizedHtmlField(_("about us"), blank=True)
    contact_text = NormalizedHtmlField(_("contact us"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return str(_("site settings"))


class Page(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True, allow_unicode=True)
    title = NormalizedCharField(_("title"), max_length=200)
    body = NormalizedHtmlField(_("body"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Banner(models.Model):
    title = NormalizedCharField(_("title"), max_length=200)
    image = models.ImageField(_("image"), upload_to="site/banners/", blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("banner")
        verbose_name_plural = _("banners")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title
