"""Anju notify service."""
