"""Adapters of the notify service."""
