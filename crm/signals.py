"""What the CRM tells higher apps (they listen; the CRM never names them)."""

from django.dispatch import Signal

# Sent inside the ledger sync's transaction after new policies of the agency entered its
# book: ``agency``, ``book_ids`` (the new BookPolicy ids). Receivers run in that transaction
# and in the agency's schema; whatever they write commits or rolls back with the book rows.
book_policies_added = Signal()

# Sent inside the ledger sync's transaction after the ledger cancelled policies of the book:
# ``agency``, ``book_ids``.
book_policies_cancelled = Signal()
