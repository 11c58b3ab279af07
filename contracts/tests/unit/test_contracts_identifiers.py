"""Ids, file names and object keys have one strict shape, so an unsafe name is refused at the door
(XC-07) instead of failing later in the object store — where a claim id ``..`` once made every
not-covered decision fail and the CLM-04 rejection notice could never be issued."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from anju_contracts.base import FileName, Identifier, ObjectKey
from anju_contracts.claims import DecideClaim, EvidenceRef, ReportClaim, RequestEvidenceUpload

IDS = TypeAdapter(Identifier)
FILE_NAMES = TypeAdapter(FileName)
KEYS = TypeAdapter(ObjectKey)
SHA = "ab" * 32


@pytest.mark.parametrize(
    "claim_id", ["..", ".", "a:b", "a/b", "a..b", "a.", ".a", "_a", "a@1", "a b", "索赔1", "x" * 129]
)
def test_clm04_unsafe_claim_id_is_refused_by_the_contract(claim_id: str) -> None:
    with pytest.raises(ValidationError) as err:
        DecideClaim(claim_id=claim_id, decision="not_covered", decided_at="2026-03-01T10:00:00+08:00")
    assert [e["loc"] for e in err.value.errors()] == [("claim_id",)]


@pytest.mark.parametrize("value", ["C-1", "c_2026_0001", "a.b.c", "a-", "a_", "0", "x" * 128, "prj-2026-088.v2"])
def test_xc07_identifier_accepts_letters_digits_and_single_inner_dots(value: str) -> None:
    assert IDS.validate_python(value) == value


def test_xc04_identifier_can_never_contain_the_commit_log_separator() -> None:
    # The kit's commit log keys entries "<id>@<version>": an id with "@" would make them ambiguous.
    with pytest.raises(ValidationError):
        IDS.validate_python("c-1@2")


@pytest.mark.parametrize(
    "name", ["..", ".", ".hidden.jpg", "a/b.jpg", "..\\x.jpg", "a\x00.jpg", "a\nb.jpg", "gpj\u202e.exe"]
)
def test_rsk04_unsafe_evidence_file_name_is_refused_by_the_contract(name: str) -> None:
    with pytest.raises(ValidationError) as err:
        RequestEvidenceUpload(claim_id="C-1", file_name=name, content_type="image/jpeg", size=1, sha256=SHA)
    assert [e["loc"] for e in err.value.errors()] == [("file_name",)]


@pytest.mark.parametrize("name", ["卫生间渗漏.jpg", "墙面 裂缝 (1).JPG", "IMG_0001.heic", "a..b.pdf", "x" * 200])
def test_rsk04_ordinary_file_names_chinese_included_are_accepted(name: str) -> None:
    assert FILE_NAMES.validate_python(name) == name


def test_file_name_longer_than_200_is_refused() -> None:
    with pytest.raises(ValidationError):
        FILE_NAMES.validate_python("x" * 201)


@pytest.mark.parametrize(
    "key", ["shanghai/P1/U1/C1/../../x.jpg", "../x", "/abs/x.jpg", "a//b", "a/./b", "a/", "a/b\\c", "a/.."]
)
def test_rsk04_evidence_key_that_climbs_out_of_its_prefix_is_refused(key: str) -> None:
    with pytest.raises(ValidationError):
        EvidenceRef(key=key, sha256=SHA, size=1, content_type="image/jpeg")


def test_rsk04_evidence_key_of_a_chinese_file_name_is_accepted() -> None:
    key = "shanghai/P-1/U-0101/C-77/12345678-1234-5678-1234-567812345678-卫生间渗漏.jpg"
    assert KEYS.validate_python(key) == key


def test_clm01_report_with_unsafe_unit_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        ReportClaim(
            claim_id="C-1",
            unit_id="U/../1",
            owner_id="o-1",
            part="waterproofing",
            item="渗漏",
            location="卫生间",
            description="漏水",
        )
