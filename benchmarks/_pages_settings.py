"""Settings of the web server the ``first_paint`` benchmark starts: the product's own, with
static files served the way production serves them (collected, hashed and compressed by
WhiteNoise) and DEBUG off. ``STATIC_ROOT`` comes from the environment the benchmark sets.

Only ``benchmarks/first_paint.py`` selects this module (``DJANGO_SETTINGS_MODULE``).
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
