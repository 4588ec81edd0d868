"""The insurer's ops host (the virtual branch): its shell (registry, nav, home) and the site
and line control pages of ``tenants``."""
