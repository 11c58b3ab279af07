"""Masking of personal data (XC-09), shared by the contracts' text types and the kit.

Free text (a claim's description, a surveyor's findings, a reason) is written by people, and people
paste ID numbers and phone numbers into it. The contracts' text types call
:func:`mask_personal_data` while validating, so a full number never reaches storage, events, logs or
documents. Detection is deliberately broad (any 18- or 15-character ID-number shape, any mainland
mobile number shape): masking a number that only looked like an ID costs a little readability,
missing a real one breaks the law.

Masks keep the first three and last four digits, as :data:`anju_contracts.base.MaskedIdNumber`
and :data:`anju_contracts.base.MaskedPhone` expect (``310***********1234``, ``138****5678``).
"""

from __future__ import annotations

import re

# ASCII digits only (full-width ones are translated first, see below). Digit look-arounds instead of
# ``\b``: Chinese characters are word characters, so ``\b`` would miss "张三310101199001011234".
_SEP = r"[ \-]?"  # people write numbers in groups: 310101 19900101 1234, 138-1234-5678
_ID_NUMBER = re.compile(
    rf"(?<![0-9])(?:[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx]|[0-9]{{6}}{_SEP}[0-9]{{6}}{_SEP}[0-9]{{3}})(?![0-9Xx])"
)
_MOBILE = re.compile(
    rf"(?<![0-9+])(?P<prefix>(?:\+|00)?86{_SEP})?(?P<number>1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}})(?![0-9])"
)

_KEEP_HEAD = 3
_KEEP_TAIL = 4


# Full-width digits (０-９) are how some input methods type numbers; they are matched as ASCII.
# One character for one character, so match positions are positions in the original text.
_ASCII_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def _hide_middle(chars: list[str], start: int, end: int) -> None:
    """Hide every digit of ``chars[start:end]`` but the first three and last four; separators stay."""
    digits = [i for i in range(start, end) if chars[i].isdigit() or chars[i] in "XxＸｘ"]
    hidden = digits[_KEEP_HEAD : len(digits) - _KEEP_TAIL] if len(digits) > _KEEP_HEAD + _KEEP_TAIL else digits
    for i in hidden:
        chars[i] = "*"


def mask_id_number(value: str) -> str:
    """A whole resident ID number: keep the first 3 and last 4 characters (310***********1234)."""
    if len(value) <= _KEEP_HEAD + _KEEP_TAIL:
        return "*" * len(value)
    return value[:_KEEP_HEAD] + "*" * (len(value) - _KEEP_HEAD - _KEEP_TAIL) + value[-_KEEP_TAIL:]


def mask_phone(value: str) -> str:
    """A whole mobile number: 138****5678."""
    return mask_id_number(value)


def mask_personal_data(text: str) -> str:
    """``text`` with every embedded resident ID number and mainland mobile number masked.

    ``"张三 310101199001011234"`` → ``"张三 310***********1234"``; ``"+8613812345678"`` →
    ``"+86138****5678"``. The length never changes, so length limits checked before still hold.
    """
    if not any(ch.isdigit() for ch in text):  # the common case costs one scan
        return text
    chars = list(text)
    for m in _ID_NUMBER.finditer(text.translate(_ASCII_DIGITS)):
        _hide_middle(chars, m.start(), m.end())
    # Searched again after the ID numbers are hidden, so no phone is found inside one.
    for m in _MOBILE.finditer("".join(chars).translate(_ASCII_DIGITS)):
        _hide_middle(chars, m.start("number"), m.end("number"))
    return "".join(chars)
