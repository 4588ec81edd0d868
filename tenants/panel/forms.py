"""Forms of the agency panel's settings, site content and staff pages."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import AgencyMembership
from core.forms import DecimalField, Form, HtmlTextField, MobileField, ModelForm, TextField
from tenants.content.models import Banner, Page

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# content type: (signature, extensions); WebP is RIFF....WEBP
IMAGE_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
    "image/webp": (b"RIFF", ("webp",)),
}


def checked_image(upload, *, max_bytes: int):
    """An uploaded PNG, JPEG or WebP whose bytes match its name, no bigger than ``max_bytes``."""
    if upload is None or upload is False:
        return upload
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("The image is larger than %(size)s KB.") % {"size": max_bytes // 1024}
        )
    head = upload.read(16)
    upload.seek(0)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    for _type, (signature, extensions) in IMAGE_TYPES.items():
        if head.startswith(signature) and extension in extensions:
            if signature == b"RIFF" and head[8:12] != b"WEBP":
                break
            return upload
    raise forms.ValidationError(_("Upload a PNG, JPG or WebP image."))


class AgencySettingsForm(Form):
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = TextField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    city = TextField(label=_("City"), max_length=100, required=False)
    province = TextField(label=_("Province"), max_length=100, required=False)
    latitude = DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6)
    longitude = DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6)
    accepts_referrals = forms.BooleanField(
        label=_("Take orders referred from the insurer's main site"), required=False
    )


class SiteSettingsForm(Form):
    headline = TextField(label=_("Headline"), max_length=200, required=False)
    about_text = HtmlTextField(
        label=_("About us"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contact_text = HtmlTextField(
        label=_("Contact us"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    primary_color = forms.CharField(
        label=_("Main colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    secondary_color = forms.CharField(
        label=_("Second colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(label=_("Logo (PNG, JPG or WebP, up to 1 MB)"), required=False)

    def _colour(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not _COLOUR.match(value):
            raise forms.ValidationError(_("Enter a colour like #0d6efd."))
        return value.lower()

    def clean_primary_color(self) -> str:
        return self._colour("primary_color")

    def clean_secondary_color(self) -> str:
        return self._colour("secondary_color")

    def clean_logo(self):
        return checked_image(self.cleaned_data.get("logo"), max_bytes=1024 * 1024)


class PageForm(ModelForm):
    class Meta:
        model = Page
        fields = ["title", "slug", "body", "is_published", "position"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "slug": _("The page's address: letters, digits and dashes, e.g. services."),
            "body": _("Simple HTML is allowed (paragraphs, headings, lists, links)."),
        }


class BannerForm(ModelForm):
    class Meta:
        model = Banner
        fields = ["title", "image", "link", "is_active", "position"]
        # The content service decodes the image within its own pixel limit (and says so);
        # Django's image field would first open it under Pillow's global one.
        field_classes = {"image": forms.FileField}
        help_texts = {
            "link": _("An address on your site such as /insurance/, or a full https:// address."),
        }

    def clean_image(self):
        return checked_image(self.cleaned_data.get("image"), max_bytes=2 * 1024 * 1024)

    def clean_link(self) -> str:
        link = (self.cleaned_data.get("link") or "").strip()
        if link and not (
            (link.startswith("/") and not link.startswith("//")) or link.startswith("https://")
        ):
            raise forms.ValidationError(
                _("Use an address on your site (starting with /) or an https:// address.")
            )
        return link


class StaffAddForm(Form):
    mobile = MobileField(label=_("Mobile number"))
    role = forms.ChoiceField(label=_("Role"), choices=AgencyMembership.Role.choices)
