"""Settings of the web server the ``quote_api`` benchmark starts: the product's own, plus a
bare JSON endpoint (``/bench/ping``) on the main site to compare the quote API against.

Only ``benchmarks/quote_api.py`` selects this module (``DJANGO_SETTINGS_MODULE``), so the
endpoint never exists in the product.
"""

from config.settings import *  # noqa: F403
from config.settings import URLCONF_BY_SITE

BENCHMARK = True
ROOT_URLCONF = "benchmarks._server_urls"
URLCONF_BY_SITE = {**URLCONF_BY_SITE, "main": "benchmarks._server_urls"}
