"""The renewal workflow's services (decisions 041–045). Every one runs in the agency's
schema (``crm.tenancy.schema_require``) and every write in ``crm.services.base.agency_write``
(an active agency, one transaction), audited with its actor."""
