"""SMS automation's rows in the agency's schema (each part keeps its own module)."""

from messaging.bulk.models import BulkListNumber, BulkSend, BulkSkip

__all__ = ["BulkListNumber", "BulkSend", "BulkSkip"]
