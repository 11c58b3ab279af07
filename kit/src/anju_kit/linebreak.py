"""Chinese line breaking for generated documents.

Chinese text breaks between any two characters, but a closing mark never begins a line and an
opening mark never ends one (避头尾, GB/T 15834); a run of Latin letters or digits ("NOT_A_DEFECT",
"clm-1", "15:30") stays whole unless it is longer than a line. fpdf2 breaks either at spaces (so one
space in "2026年9月5日 15:30" ends a line half-way) or at any character (so "，" may start a line).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Marks that must not begin a line: closing brackets and quotes, and punctuation that follows a word.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…%,.;:?!)]}")
# Marks that must not end a line: opening brackets and quotes.
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

# A unit is a run of printable ASCII (kept together), a run of spaces, or any one other character.
_UNITS = re.compile(r"[!-~]+| +|.", re.DOTALL)


def break_lines(text: str, room: float, width_of: Callable[[str], float]) -> list[str]:
    """``text`` in lines no wider than ``room`` (as ``width_of`` measures); "\\n" breaks a line.

    A single character wider than ``room`` still gets a line of its own. Spaces at a break vanish.
    """
    lines: list[str] = []
    for part in text.split("\n"):
        lines += _break(part, room, width_of)
    return lines


def _break(text: str, room: float, width_of: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line: list[tuple[str, float]] = []
    used = 0.0
    pending = _UNITS.findall(text)
    pending.reverse()  # a stack, so that a Latin run too long for any line can go back as its characters
    while pending:
        unit = pending.pop()
        if not line and unit.startswith(" "):
            continue
        width = width_of(unit)
        if width > room and len(unit) > 1:  # longer than any line: broken where it stands
            pending += reversed(unit)
            continue
        if used + width <= room or not line:
            line.append((unit, width))
            used += width
            continue
        carried: list[tuple[str, float]] = []
        if unit[0] in NO_LINE_START:  # 避头: the marks before it, and the character they follow, go down too
            while len(line) > 1 and line[-1][0][0] in NO_LINE_START:
                carried.insert(0, line.pop())
            if len(line) > 1 and not line[-1][0].startswith(" "):
                carried.insert(0, line.pop())
        while len(line) > 1 and line[-1][0][-1] in NO_LINE_END:
            carried.insert(0, line.pop())  # 避尾: an opening mark goes down to what it opens
        lines.append(_join(line))
        pending.append(unit)
        line, used = carried, sum(w for _, w in carried)
    lines.append(_join(line))
    return lines


def _join(line: list[tuple[str, float]]) -> str:
    return "".join(unit for unit, _ in line).rstrip(" ")
