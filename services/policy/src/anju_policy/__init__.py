"""Anju policy service."""
