"""The electronic policy (S-2.5): PDF rendered once at issuance, sent by SMS, verifiable."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.digits import to_latin_digits
from core.pdf import qr_data_uri, render_pdf
from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.sites import main_site_url
from core.sms.services import sms_queue
from policies.models import Order, Policy
from policies.presentation import AnswerShown, answers_shown
from tenants.hosts import agency_site_url

logger = logging.getLogger(__name__)

POLICY_CSS = Path(__file__).resolve().parent.parent / "pdf" / "policy.css"
VERIFY_LIMIT_PER_IP = 60  # lookups per IP address per ten minutes
VERIFY_WINDOW_SECONDS = 600


def policy_verification_url(*, policy: Policy) -> str:
    return main_site_url(reverse("policies:verify", args=[policy.verification_code]))


def policy_site_url(*, policy: Policy, path: str) -> str:
    """A page on the site that sold the policy (where its customer sees it)."""
    if policy.agency is not None and policy.order.channel == Order.Channel.AGENCY:
        return agency_site_url(policy.agency, path)
    return main_site_url(path)


def _details(policy: Policy) -> list[AnswerShown]:
    answers = {**policy.order.quote.answers, **policy.order.details}
    return answers_shown(policy.line.questions.all(), answers, skip_no=True)


def policy_pdf_bytes(*, policy: Policy) -> bytes:
    """The e-policy as PDF bytes (rendered now), in Persian whoever asks for it."""
    verification_url = policy_verification_url(policy=policy)
    with translation.override("fa"):
        return render_pdf(
            template_name="policies/policy_pdf.html",
            stylesheet=POLICY_CSS,
            context={
                "policy": policy,
                "order": policy.order,
                "insurer_name": settings.INSURER_NAME,
                "details": _details(policy),
                "verification_url": verification_url,
                "qr": qr_data_uri(verification_url),
            },
        )


def policy_pdf_render(*, policy_id: int) -> bool:
    """Render and store a policy's PDF, then send the customer the link. Returns False if
    it was already done (a task run twice renders and sends once)."""
    policy = (
        Policy.objects.select_related("order__quote", "line", "agency", "customer")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None or policy.pdf_rendered_at is not None:
        return False
    content = policy_pdf_bytes(policy=policy)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy_id)
        if locked.pdf_rendered_at is not None:
            return False
        # Private storage, under a random name (decision 018).
        locked.pdf.save("policy.pdf", ContentFile(content), save=False)
        locked.pdf_rendered_at = timezone.now()
        locked.save(update_fields=["pdf", "pdf_rendered_at"])
        link = policy_site_url(policy=policy, path=reverse("policies:account"))
        sms_queue(
            to=policy.customer.mobile,
            body=_("Your policy %(number)s (%(line)s) is issued. Download it: %(link)s")
            % {"number": policy.number, "line": policy.line.name, "link": link},
            kind="policy_issued",
            agency_id=policy.agency_id,
        )
    return True


# A PDF is normally rendered within seconds of the issue; one still missing after this long
# was never handed to a worker (the broker was down). Older ones are rendered on download.
PDF_MISSING_AFTER = dt.timedelta(minutes=2)
PDF_MISSING_WITHIN = dt.timedelta(days=1)


def policies_without_pdf(*, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Policies issued a while ago whose PDF was never rendered (nor their SMS sent)."""
    now = now or timezone.now()
    return list(
        Policy.objects.filter(
            pdf_rendered_at__isnull=True,
            issued_at__lt=now - PDF_MISSING_AFTER,
            issued_at__gte=now - PDF_MISSING_WITHIN,
        )
        .order_by("issued_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def policy_pdf_content(*, policy: Policy) -> bytes:
    """The stored PDF, or a fresh rendering if the file is missing."""
    if policy.pdf:
        try:
            with policy.pdf.open("rb") as handle:
                return handle.read()
        except OSError:
            logger.warning("Policy %s: stored PDF missing, rendering again", policy.pk)
    return policy_pdf_bytes(policy=policy)


class VerificationUnavailable(Exception):
    """The lookup counters (Redis) cannot be reached: the lookup is refused for now, since
    an uncounted lookup is an unlimited one."""


def verification_throttled(*, ip_address: str | None) -> bool:
    """Count a verification lookup from this address; True when it is over the limit.
    Raises ``VerificationUnavailable`` when the count cannot be kept."""
    key = f"policies:verify:{ip_address or 'unknown'}"
    try:
        cache.add(key, 0, VERIFY_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, VERIFY_WINDOW_SECONDS)
            count = 1
    except REDIS_UNAVAILABLE as error:
        logger.warning("Verification throttle unavailable (%s): lookup refused", error)
        raise VerificationUnavailable from error
    return count > VERIFY_LIMIT_PER_IP


def policy_for_verification(*, code: str) -> Policy | None:
    code = "".join(ch for ch in to_latin_digits(code).upper() if ch.isalnum())[:16]
    if not code:
        return None
    return Policy.objects.select_related("line", "agency").filter(verification_code=code).first()


def policy_validity(*, policy: Policy, today: Any = None) -> str:
    """``valid``, ``not_started``, ``expired`` or ``cancelled``."""
    from core.jalali import tehran

    today = today or timezone.localdate(timezone=tehran())
    if policy.state == Policy.State.CANCELLED:
        return "cancelled"
    if today < policy.start_date:
        return "not_started"
    if today > policy.end_date:
        return "expired"
    return "valid"
