"""Intake: turn pasted or structured input into domain types."""
