"""Entrypoints: HTTP routes and the Kafka commands subscriber."""
