from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    """Agency sign-up (S-8.1, seed 002): an agent, broker or marketer applies on the main site; the
    insurer's operators verify the licence on ops and approval provisions the agency.
    SHARED_APPS: its rows live in the public schema."""

    name = "onboarding"
    verbose_name = _("Agency sign-up")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onboarding import labels, mounts

        labels.register()
        mounts.register()
