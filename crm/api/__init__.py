"""The CRM's REST API under /api/crm/ (decision 033): customers, caller lookup, the book and
cases of the logged-in member's agency, in the agency's schema, on decision 017's contract."""
