"""Every write settlement does: commissions, statements and payouts, batches, exports to the
core issuing system and the import of its confirmations."""
