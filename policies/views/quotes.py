"""quotes pages."""
