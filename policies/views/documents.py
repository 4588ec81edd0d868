"""documents pages."""
