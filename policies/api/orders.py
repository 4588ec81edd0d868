"""orders API."""
