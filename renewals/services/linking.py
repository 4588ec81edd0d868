"""A newly issued policy linked to the one it renews (issue 14, item 4; decision 043).

On ``crm.signals.book_policies_added`` (inside the ledger sync's transaction, in the
agency's schema) each new policy of the book is looked at:

- its order is a :class:`~renewals.models.RenewalOffer`'s → it renews that offer's policy,
  credited to the offer's channel;
- else the same customer holds a policy of the same line, in force or expired and not
  renewed, ending within ``WINDOW_DAYS`` before or after the new one's start → it renews
  the one ending nearest that start, credited to ``call`` when the order was made in the
  panel (crm ``PanelSale``) and to ``site`` otherwise.

Recording a fact the ledger holds, it runs with ``require_active=False``; running it again
changes nothing (``closing.book_renewed`` is idempotent and a renewed policy is skipped).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from crm.models import BookPolicy, PanelSale
from renewals.models import Channel, RenewalOffer
from renewals.services.closing import RenewalRefused, book_renewed

logger = logging.getLogger(__name__)

# How far the old policy's expiry may be from the new one's start (either way).
WINDOW_DAYS = 45


def _start(policy: BookPolicy) -> dt.date | None:
    return policy.start_date or policy.issued_on


def _candidates(news: list[BookPolicy]) -> dict[tuple[int, str], list[BookPolicy]]:
    """The policies the new ones may renew, read at once: the same customers' policies of
    the same lines, in force or expired, not renewed, ending
    within the window of any of the new ones' starts."""
    starts = [start for start in map(_start, news) if start is not None]
    if not starts:
        return {}
    window = dt.timedelta(days=WINDOW_DAYS)
    rows = BookPolicy.objects.filter(
        customer_id__in={p.customer_id for p in news},
        line_code__in={p.line_code for p in news},
        state__in=(BookPolicy.State.ACTIVE, BookPolicy.State.EXPIRED),
        renewed_by__isnull=True,
        end_date__gte=min(starts) - window,
        end_date__lte=max(starts) + window,
    )
    found: dict[tuple[int, str], list[BookPolicy]] = {}
    for row in rows:
        found.setdefault((row.customer_id, row.line_code), []).append(row)
    return found


def _by_window(new: BookPolicy, candidates: dict[tuple[int, str], list[BookPolicy]]) -> Any:
    """The policy ``new`` renews by customer, line and dates: the one ending nearest the
    new one's start, within ``WINDOW_DAYS`` either way, that started before it."""
    start = _start(new)
    if start is None:
        return None
    window = dt.timedelta(days=WINDOW_DAYS)
    fitting = [
        p
        for p in candidates.get((new.customer_id, new.line_code), [])
        if p.pk != new.pk
        and p.end_date is not None
        and start - window <= p.end_date <= start + window
        and (p.start_date is None or p.start_date < start)
        and p.renewed_by_id is None
    ]
    return min(
        fitting,
        key=lambda p: (abs((p.end_date - start).days) if p.end_date else 0, p.pk),
        default=None,
    )


def renewals_link(*, agency: Any, book_ids: Iterable[int]) -> int:
    """Link each new book policy in ``book_ids`` to the policy it renews; returns how many
    were linked now."""
    linked = 0
    news = list(
        BookPolicy.objects.filter(pk__in=list(book_ids), renewal_of__isnull=True).exclude(
            state=BookPolicy.State.CANCELLED
        )
    )
    if not news:
        return 0
    order_ids = [p.order_id for p in news if p.order_id is not None]
    offers = {
        offer.order_id: offer
        for offer in RenewalOffer.objects.filter(order_id__in=order_ids).select_related(
            "book_policy"
        )
    }
    candidates = _candidates([p for p in news if p.order_id not in offers])
    panel_orders = set(
        PanelSale.objects.filter(order_id__in=order_ids).values_list("order_id", flat=True)
    )
    # Earliest start first: a policy starting right at an expiry is its renewal, not a
    # second one of the batch starting a day later.
    news.sort(key=lambda p: (_start(p) or dt.date.max, p.pk))
    for new in news:
        offer = offers.get(new.order_id) if new.order_id is not None else None
        if offer is not None:
            old: BookPolicy | None = offer.book_policy
            channel = offer.channel
        else:
            old = _by_window(new, candidates)
            channel = Channel.CALL if new.order_id in panel_orders else Channel.SITE
        if old is None or old.renewed_by_id is not None:
            continue
        try:
            book_renewed(
                agency=agency,
                actor=None,
                old=old,
                new=new,
                channel=channel,
                require_active=False,
            )
        except RenewalRefused as error:
            logger.info("renewal of book policy %s by %s not linked: %s", old.pk, new.pk, error)
            continue
        old.renewed_by_id = new.pk  # taken: not another new policy's in this batch
        linked += 1
    return linked


def on_book_policies_added(sender: Any, *, agency: Any, book_ids: Iterable[int], **_: Any) -> None:
    """The receiver of ``crm.signals.book_policies_added`` (connected in renewals.mounts)."""
    renewals_link(agency=agency, book_ids=book_ids)
