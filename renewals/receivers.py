"""What the renewal workflow does when the CRM tells it something (decision 041)."""

from __future__ import annotations

from typing import Any


def book_policies_cancelled_receive(
    sender: Any, *, agency: Any, book_ids: list[int], **_kwargs: Any
) -> None:
    """The ledger cancelled policies of the book: their open items close as cancelled (in
    the ledger sync's transaction, audited with the renewal system as actor)."""
    from renewals.services.build import items_close_cancelled

    items_close_cancelled(agency=agency, book_ids=book_ids)
