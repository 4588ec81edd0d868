"""What the SMS layer announces to the apps above it (decision 025)."""

from django.dispatch import Signal

# A customer's message arrived (``inbound``: core.models.SmsInbound), sent once per message
# after it is stored; ``inbound.opt_out`` says it asks for no more advertising.
sms_received = Signal()
