from __future__ import annotations

from core.sms.base import SmsBackend, SmsReceipt


class DevelopmentBackend(SmsBackend):
    """Delivers nowhere: the message stays in the SMS log, shown at /dev/sms/ and in admin."""

    name = "dev"

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        return SmsReceipt(provider_message_id=f"dev-{local_id}")
