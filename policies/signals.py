"""What happened to a sale, for the flow apps above ``policies`` (referrals, settlement, crm).

Sent after the transaction that made the change has committed.
"""

from django.dispatch import Signal

# order_paid(sender=Order, order=Order): a customer's payment was verified.
order_paid = Signal()
# policy_issued(sender=Policy, policy=Policy): a policy was issued.
policy_issued = Signal()
