"""Committed schemas and examples: the compatibility guard insurers rely on (XC-07).

Every registered type has a hand-checked example; every example ever committed keeps validating
(old examples are never deleted, so a breaking change to a v1 type fails here); the generated
schemas in ``contracts/schemas`` match the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anju_contracts import Envelope, catalog, schemagen

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = CONTRACTS_DIR / "examples"
SCHEMAS_DIR = CONTRACTS_DIR / "schemas"
EXAMPLE_FILES = sorted(EXAMPLES_DIR.glob("*.json"))


@pytest.mark.parametrize("type_name", list(catalog.message_types()))
def test_xc07_every_message_type_has_an_example(type_name: str) -> None:
    cls = catalog.message_types()[type_name]
    path = EXAMPLES_DIR / schemagen.example_file(cls)
    assert path.is_file(), (
        f"add contracts/examples/{path.name}: one full, hand-checked envelope of {type_name} "
        f"(schema_version {cls.SCHEMA_VERSION}) with realistic data; see contracts/README.md"
    )


def test_examples_exist() -> None:
    assert EXAMPLE_FILES, f"no examples in {EXAMPLES_DIR}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_xc07_every_example_keeps_validating(path: Path) -> None:
    envelope = Envelope.model_validate_json(path.read_bytes())
    assert path.name.startswith(f"{envelope.type}.v{envelope.schema_version}."), (
        f"{path.name} holds a {envelope.type} v{envelope.schema_version}: name it "
        f"{envelope.type}.v{envelope.schema_version}.json (or .v{envelope.schema_version}.<variant>.json)"
    )
    message = catalog.parse(envelope)
    for topic in schemagen.topics_of(catalog.message_type(envelope.type)):
        assert catalog.parse(envelope, topic=topic) == message


def test_schemas_are_fresh() -> None:
    problems = schemagen.differences(SCHEMAS_DIR)
    assert not problems, "contracts/schemas is out of date, run `python -m anju_contracts.schemagen`:\n" + (
        "\n".join(problems)
    )


def test_schemagen_output_is_deterministic() -> None:
    first, second = schemagen.render(), schemagen.render()
    assert first == second
    assert all(text.endswith("}\n") for text in first.values())
    assert {"envelope.json", "index.json"} <= first.keys()
    for cls in catalog.message_types().values():
        assert schemagen.schema_file(cls) in first


def test_message_schema_pins_type_and_version_and_embeds_the_payload() -> None:
    schema = schemagen.message_schema(catalog.message_type("common.Rejected"))
    assert schema["properties"]["type"]["const"] == "common.Rejected"
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema["properties"]["data"]["$ref"] == "#/$defs/Rejected"
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Rejected"]["additionalProperties"] is False
    assert "anju.claims.rejections.v1" in schema["x-anju-topics"]


def test_check_lists_missing_stale_and_extra_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schemagen.main(["--out", str(tmp_path)]) == 0
    assert schemagen.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "envelope.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "index.json").unlink()
    (tmp_path / "claims.Gone.v1.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()

    assert schemagen.main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "stale: envelope.json" in err
    assert "missing: index.json" in err
    assert "extra: claims.Gone.v1.json" in err

    schemagen.main(["--out", str(tmp_path)])
    assert schemagen.differences(tmp_path) == []
    assert not (tmp_path / "claims.Gone.v1.json").exists()


def test_regenerating_a_clean_tree_changes_nothing(tmp_path: Path) -> None:
    schemagen.write(tmp_path)
    assert schemagen.write(tmp_path) == []
