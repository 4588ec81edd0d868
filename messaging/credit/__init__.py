"""An agency's SMS credit seen from both sides (S-6.3, decision 040): its balance, ledger,
online top-ups and sending settings in the panel; top-ups, adjustments and usage on ops.

The ledger itself (``core.sms.credit``) is core's, in the public schema beside the outbox."""
