"""Every write of the CRM: keyword-only functions, one transaction each, an audit row with the
actor, inside the agency's schema (``crm.tenancy.schema_require``) and, when the agency acts,
only while it is active (``agency_require_active``)."""
