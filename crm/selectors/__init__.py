"""Reads of the CRM that more than one caller uses; they run in the agency's schema and take
the membership where what a person may see depends on their role."""
