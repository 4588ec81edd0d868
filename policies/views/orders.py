"""orders pages."""
