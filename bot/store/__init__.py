"""Persistence: engine and sessions, table models, query functions and migrations."""
