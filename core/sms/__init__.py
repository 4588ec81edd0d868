"""SMS: one gateway interface, a development backend and Kavenegar for production."""

from core.sms.base import PermanentSmsError, SmsBackend, TransientSmsError, get_backend
from core.sms.services import sms_queue

__all__ = ["PermanentSmsError", "SmsBackend", "TransientSmsError", "get_backend", "sms_queue"]
