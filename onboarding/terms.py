"""The terms an applicant accepts in stage 1 (rules of the platform and of payments, seed
002). Their version is recorded on the application with the time of acceptance; a change of
the text is a new version (the template ``onboarding/terms_<version>.html``)."""

from __future__ import annotations

TERMS_VERSION = "1405-01"
TERMS_TEMPLATE = f"onboarding/terms_{TERMS_VERSION}.html"
