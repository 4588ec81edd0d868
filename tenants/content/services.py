"""Every write of a site's content (S-4.3): texts, look, pages and banners, in the schema of
the site they belong to. People's HTML is sanitised before it is stored; their images are
decoded, bounded and written again (public media: anyone may load them). An agency's content
(``agency_id`` given) changes only while the agency is active."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from core.audit import audit_record
from core.html import sanitize_html
from core.uploads import image_clean
from tenants.content.models import Banner, Page, SiteSettings
from tenants.services import agency_require_active

_HTML_FIELDS = {"about_text", "contact_text", "body"}
# Image fields and the most pixels each may have: a logo is small, a banner a wide photo.
IMAGE_MAX_PIXELS = {"logo": 4_000_000, "image": 12_000_000}
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")


def _decoded(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with each new image upload replaced by the image decoded and written again,
    named at random (done before any row is locked: decoding takes a moment)."""
    decoded = dict(fields)
    for field, limit in IMAGE_MAX_PIXELS.items():
        value = fields.get(field)
        if not isinstance(value, File) or isinstance(value, FieldFile):
            continue  # not given, unchanged, or cleared
        try:
            clean = image_clean(value, max_pixels=limit, formats=IMAGE_FORMATS)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None
        decoded[field] = clean.as_file(uuid.uuid4().hex)
    return decoded


def _require_active(agency_id: int | None) -> None:
    if agency_id is not None:
        agency_require_active(agency_id=agency_id)


def _clean(instance: Any, field: str, value: Any) -> Any:
    """HTML sanitised, then every text as its model field stores it (core.text), so that the
    audit row compares what will really be stored."""
    if not isinstance(value, str):
        return value
    if field in _HTML_FIELDS:
        value = sanitize_html(value)
    normalize = getattr(instance._meta.get_field(field), "normalize", None)
    return normalize(value) if normalize else value


def _save(instance: Any, fields: dict[str, Any], *, actor: Any, agency_id: int | None) -> Any:
    created = instance.pk is None
    changes = {}
    for field, value in fields.items():
        value = _clean(instance, field, value)
        old = getattr(instance, field)
        if created or old != value:
            changes[field] = (None if created else str(old), str(value))
            setattr(instance, field, value)
    if changes or created:
        instance.full_clean()
        instance.save()
        audit_record(
            actor=actor,
            action=f"content.{instance._meta.model_name}.{'add' if created else 'update'}",
            target=instance,
            changes=changes,
            agency_id=agency_id,
        )
    return instance


def site_settings_update(*, actor: Any, agency_id: int | None, **fields: Any) -> SiteSettings:
    """The site's headline, about and contact texts, colours and logo."""
    fields = _decoded(fields)
    with transaction.atomic():
        _require_active(agency_id)
        current = SiteSettings.objects.select_for_update().first() or SiteSettings()
        return _save(current, fields, actor=actor, agency_id=agency_id)


def _fresh(model: Any, instance: Any) -> Any:
    """The stored row, locked (a bound form may already have changed ``instance``)."""
    if instance is None or instance.pk is None:
        return model()
    return model.objects.select_for_update().get(pk=instance.pk)


def page_save(
    *, actor: Any, agency_id: int | None, page: Page | None = None, **fields: Any
) -> Page:
    with transaction.atomic():
        _require_active(agency_id)
        return _save(_fresh(Page, page), fields, actor=actor, agency_id=agency_id)


def banner_save(
    *, actor: Any, agency_id: int | None, banner: Banner | None = None, **fields: Any
) -> Banner:
    fields = _decoded(fields)
    with transaction.atomic():
        _require_active(agency_id)
        return _save(_fresh(Banner, banner), fields, actor=actor, agency_id=agency_id)


def content_delete(*, instance: Page | Banner, actor: Any, agency_id: int | None) -> None:
    with transaction.atomic():
        _require_active(agency_id)
        audit_record(
            actor=actor,
            action=f"content.{instance._meta.model_name}.delete",
            target=instance,
            changes={"title": (instance.title, None)},
            agency_id=agency_id,
        )
        instance.delete()
