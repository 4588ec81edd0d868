"""Bulk SMS sends (ارسال انبوه, issue 13 item 3, decision 038): a text to a customer group, to
the customers of a CRM filter or report, or to an uploaded list of numbers; previewed with its
recipients, parts and cost, sent now or at a Tehran time, cancelled until it has gone, and
followed on a progress page."""
