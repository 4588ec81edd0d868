"""Reads of the renewal workflow (lists, the manager's figures)."""
