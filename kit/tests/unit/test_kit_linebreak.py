"""Chinese line breaking (issue 9): any two characters, but not before a closing mark nor after an opening one."""

from __future__ import annotations

from anju_kit.linebreak import break_lines


def _lines(text: str, room: int = 10) -> list[str]:
    return break_lines(text, room, len)  # every character one unit wide


def test_chinese_breaks_between_any_two_characters() -> None:
    assert _lines("一二三四五六七八九十十一十二") == ["一二三四五六七八九十", "十一十二"]


def test_a_closing_mark_never_begins_a_line_it_takes_the_last_character_along() -> None:
    assert _lines("一二三四五六七八九十，十一") == ["一二三四五六七八九", "十，十一"]
    assert _lines("一二三四五六七八九十。」好") == ["一二三四五六七八九", "十。」好"]
    assert _lines("一二三四五六七八九。」好") == ["一二三四五六七八", "九。」好"]


def test_an_opening_mark_never_ends_a_line() -> None:
    assert _lines("一二三四五六七八九（十一）") == ["一二三四五六七八九", "（十一）"]
    assert _lines("依据：一二三四五六《保险法》") == ["依据：一二三四五六", "《保险法》"]


def test_latin_runs_stay_whole_unless_longer_than_a_line() -> None:
    assert _lines("报案时间：2026年9月5日 15:30") == ["报案时间：2026年", "9月5日 15:30"]
    assert _lines("报案时间：2026年9月 15:30") == ["报案时间：2026年", "9月 15:30"]
    assert _lines("一二三四五六七八 NOT_A") == ["一二三四五六七八", "NOT_A"]
    assert _lines("理由：NOT_A_DEFECT_CODE") == ["理由：NOT_A_D", "EFECT_CODE"]


def test_spaces_at_a_break_vanish_but_an_indent_stays() -> None:
    assert _lines("a b c d e f g h", room=5) == ["a b c", "d e f", "g h"]
    assert _lines("\u3000\u3000缩进的段落一二三四五") == ["\u3000\u3000缩进的段落一二三", "四五"]


def test_newlines_break_and_nothing_is_lost() -> None:
    assert _lines("甲\n\n乙") == ["甲", "", "乙"]
    assert _lines("") == [""]
    text = "经现场查勘及核定（核定时间：2026年9月5日 15:30），贵方报案的上述事项不属于保险责任。" * 5
    assert "".join(_lines(text)).replace(" ", "") == text.replace(" ", "")


def test_a_character_wider_than_the_line_gets_a_line_of_its_own() -> None:
    assert break_lines("宽字", 0.5, len) == ["宽", "字"]
