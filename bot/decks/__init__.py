"""Deck files: the format a teacher edits, its parser and the sync into the store."""
