"""Telegram adapter: thin handlers that parse an update, call the domain and render a reply."""
