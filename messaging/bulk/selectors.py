"""Reads of bulk sends: the list, one send, its progress from the outbox and its skips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from core.models import SmsMessage
from messaging.bulk.models import BulkSend, BulkSkip

Status = SmsMessage.Status


def bulk_list() -> QuerySet[BulkSend]:
    """The agency's bulk sends, newest first (the list's columns are all on the row)."""
    return BulkSend.objects.select_related("group").order_by("-created_at", "-id")


def bulk_get(*, bulk_id: int) -> BulkSend | None:
    """A bulk send of the current schema (another agency's id finds nothing)."""
    return BulkSend.objects.select_related("group").filter(pk=bulk_id).first()


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    sent: int
    delivered: int
    failed: int
    blocked: int
    cancelled: int

    @property
    def handed(self) -> int:
        """Messages that have left the outbox, whatever became of them."""
        return self.sent + self.delivered + self.failed + self.blocked

    @property
    def percent(self) -> int:
        settled = self.handed + self.cancelled
        return round(100 * settled / self.total) if self.total else 0


def bulk_progress(*, agency_id: int, bulk: BulkSend) -> Progress:
    """How the send's messages stand, in one aggregate query over the outbox (the agency's
    log index narrows to the agency and the send's creation time)."""
    counts = SmsMessage.objects.filter(
        agency_id=agency_id, created_at__gte=bulk.created_at, source=bulk.source
    ).aggregate(
        total=Count("id"),
        queued=Count("id", filter=Q(status__in=[Status.QUEUED, Status.SENDING])),
        sent=Count("id", filter=Q(status=Status.SENT)),
        delivered=Count("id", filter=Q(status=Status.DELIVERED)),
        failed=Count("id", filter=Q(status__in=[Status.FAILED, Status.UNDELIVERED])),
        blocked=Count("id", filter=Q(status=Status.BLACKLISTED)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
    )
    return Progress(**counts)


def bulk_skips(*, bulk: BulkSend) -> QuerySet[BulkSkip]:
    return BulkSkip.objects.filter(bulk=bulk).order_by("id")


def skip_counts(bulk: BulkSend) -> list[tuple[Any, int]]:
    """``(reason's label, count)`` of the send's skips, those that happened."""
    rows = [
        (BulkSkip.Reason.CONSENT.label, bulk.skipped_consent),
        (BulkSkip.Reason.INVALID.label, bulk.skipped_invalid),
        (BulkSkip.Reason.DUPLICATE.label, bulk.skipped_duplicate),
        (BulkSkip.Reason.MISSING.label, bulk.skipped_missing),
    ]
    return [(label, count) for label, count in rows if count]


def template_in_bulk(template: Any) -> bool:
    """A template a bulk send was made from is kept (deactivated, not deleted): the send
    names it (decision 035's usage checks)."""
    return BulkSend.objects.filter(template_id=getattr(template, "pk", None)).exists()
