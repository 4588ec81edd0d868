"""What happened to a sale, for the flow apps above ``policies`` (referrals, settlement, crm).

Sent after the transaction that made the change has committed, through
``core.dispatch.signal_send_robust``: a receiver that raises is logged (its name, the exception
and the order or policy id) and never fails the customer's or the issuer's request, and the
other receivers still run. So a receiver only records or enqueues (``core.queue.enqueue``), and
the work it starts is found again by a beat sweep if it is lost (``referrals_start_missed``,
``commissions_backfill``).
"""

from django.dispatch import Signal

# order_paid(sender=Order, order=Order): a customer's payment was verified.
order_paid = Signal()
# policy_issued(sender=Policy, policy=Policy): a policy was issued.
policy_issued = Signal()
# commission_fixed(sender=Policy, policy_id=int, agency_id=int, amount=Decimal): the selling
# agency's commission on an issued policy was fixed (settlement computes it; the CRM books it).
commission_fixed = Signal()
# policy_cancelled(sender=Policy, policy=Policy): a policy was ended early (cancellation,
# decision 049); ``policy.cancelled_on`` is its last day and ``policy.refund_amount`` what
# the customer is owed. Settlement reverses the sale, the CRM's book follows.
policy_cancelled = Signal()
