import pytest
from django.core.files.storage import storages

from tests.policies.conftest import catalog, pricing_day  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Settlement files of a test go to its own folder, never into the checkout."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    yield tmp_path / "private"
    storages._storages.pop("private", None)
