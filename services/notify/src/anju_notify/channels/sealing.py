"""Recipients' addresses stored protected (XC-09): a message waiting for a retry must keep its address,
so the dispatcher stores it encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``) and
keeps only the masked form once the message is sent or refused.

The key comes from ``ANJU_CHANNEL_ADDRESS_KEY`` (any string; a Fernet key is derived from it). Its
development default is refused by the ``production`` profile, like every other secret.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

DEV_ADDRESS_KEY = "anju-dev-address-key-change-me"


class UnreadableAddress(Exception):
    """A stored address that this key cannot open (the key was changed while messages waited)."""


class AddressSeal:
    def __init__(self, secret: str = DEV_ADDRESS_KEY) -> None:
        if not secret:
            raise ValueError("the address key must not be empty")
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))

    def seal(self, address: str) -> str:
        return self._fernet.encrypt(address.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise UnreadableAddress("the stored address cannot be opened with the configured key") from exc
