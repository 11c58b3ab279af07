"""Personal data protection helpers (XC-09): masking for display and logs, keyed hashing for lookup."""

from __future__ import annotations

import hashlib
import hmac

# One masking for the whole platform: the contracts' free-text types mask with the same functions,
# so a number masked in a description looks like the one in a MaskedIdNumber/MaskedPhone field.
from anju_contracts.privacy import mask_id_number, mask_personal_data, mask_phone

__all__ = ["mask_id_number", "mask_name", "mask_personal_data", "mask_phone", "protected_hash"]


def mask_name(value: str) -> str:
    """Chinese name: keep the family name (张**)."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def protected_hash(value: str, secret: str) -> str:
    """Keyed hash for matching a person without storing the identifier in the clear."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
