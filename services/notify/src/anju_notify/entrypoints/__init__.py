"""Entrypoints of the notify service: Kafka and HTTP."""
