"""Recipients as log lines and stored summaries show them (XC-09): never an address in the clear."""

from __future__ import annotations

from anju_kit.privacy import mask_phone


def mask_recipient(address: str) -> str:
    """``zhang.san@example.com`` → ``z***@example.com``; ``13812345678`` → ``138****5678``."""
    local, at, domain = address.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)
