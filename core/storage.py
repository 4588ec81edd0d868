"""Where files live: public media (served to anyone under ``MEDIA_URL``) and private files
(``PRIVATE_MEDIA_ROOT``), which have no URL at all and leave only through views that check
who asks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, cached_property, empty

PRIVATE_STORAGE_ALIAS = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on disk under ``PRIVATE_MEDIA_ROOT`` (unless a location is given) with no URL:
    asking for one is a programming error, never a link to a public path."""

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self) -> Any:
        location = self._location  # type: ignore[attr-defined]
        return self._value_or_setting(location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no URL; a view that checks who asks serves it.")


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up when first used (and again after the setting
    changes), so that a model field can name it without fixing it at import."""

    def _setup(self) -> None:
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


_private_storage = _PrivateStorage()


def _private_storage_reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _private_storage._wrapped = empty  # type: ignore[assignment]


setting_changed.connect(_private_storage_reset)


def private_storage() -> Storage:
    """The storage of private files (a callable, for ``FileField(storage=...)``)."""
    return _private_storage  # type: ignore[return-value]
