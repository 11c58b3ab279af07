"""Adapters of the risk service: repository, evidence store, documents."""
