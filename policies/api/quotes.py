"""quotes API."""
