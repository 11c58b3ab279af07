"""Adapters: the project store, underwriting documents in object storage."""
