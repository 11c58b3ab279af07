"""Adapters: Mongo repositories, object storage for evidence and documents, Chinese PDF documents."""
