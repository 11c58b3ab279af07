"""Anju risk service."""
