"""Personal data protection helpers (XC-09): masking for display and logs, keyed hashing for lookup."""

from __future__ import annotations

import hashlib
import hmac


def mask_id_number(value: str) -> str:
    """Resident ID number: keep the first 3 and last 4 characters (310***********1234)."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """Mobile number: 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Chinese name: keep the family name (张**)."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def protected_hash(value: str, secret: str) -> str:
    """Keyed hash for matching a person without storing the identifier in the clear."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
