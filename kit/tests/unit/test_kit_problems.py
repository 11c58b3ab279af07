"""Errors name the field and the rule, never the submitted value (XC-09): what a bad field held must
not reach ``Rejected.problems`` on an insurer-facing topic, a DLQ error header or a log line."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from anju_contracts import Actor, Envelope, Role
from anju_contracts.catalog import parse
from anju_contracts.claims import ReportClaim
from anju_kit.auth import ActorTokens, CurrentActor, issue_token
from anju_kit.problems import install_problem_handlers, problems_from_error, problems_from_validation, safe_error_text

ID_NUMBER = "310101199001011234"
PHONE = "13812345678"
SECRETS = (ID_NUMBER, PHONE, "1381234", "199001011234")


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def _report_error(**bad: object) -> ValidationError:
    data = {
        "claim_id": "C-1",
        "unit_id": "U-1",
        "owner_id": "o-1",
        "part": "waterproofing",
        "item": "渗漏",
        "location": "卫生间",
        "description": "漏水",
        **bad,
    }
    with pytest.raises(ValidationError) as err:
        ReportClaim.model_validate(data)
    return err.value


def test_xc09_phone_in_an_id_field_is_not_echoed_in_field_problems() -> None:
    exc = _report_error(owner_id=f"+86 {PHONE}", contact_phone_masked=PHONE, unit_id=ID_NUMBER + ":x")
    problems = problems_from_error(exc)
    assert {p.field for p in problems} == {"owner_id", "contact_phone_masked", "unit_id"}
    for problem in problems:
        _no_secret(problem.message)
        assert "(string_pattern_mismatch)" in problem.message
        assert problem.message.startswith("must match pattern ^")


def test_xc09_field_problem_names_the_constraint() -> None:
    exc = _report_error(claim_id="x" * 129, part=PHONE, evidence="nope", extra=ID_NUMBER)
    messages = {p.field: p.message for p in problems_from_error(exc)}
    assert messages["claim_id"] == "at most 128 characters (string_too_long)"
    assert messages["part"].startswith("must be one of ") and messages["part"].endswith("(enum)")
    assert messages["extra"] == "is not an allowed field (extra_forbidden)"
    assert "evidence" in messages
    for message in messages.values():
        _no_secret(message)


def _validate_phone(value: str) -> str:
    raise ValueError(f"{value} is not a phone number we know")  # a validator that echoes its input


class _Strict(BaseModel):
    kind: Literal["a"]
    phone: Annotated[str, AfterValidator(_validate_phone)]


class _Other(BaseModel):
    kind: Literal["b"]


class _Tagged(BaseModel):
    item: Annotated[_Strict | _Other, Field(discriminator="kind")]


def test_xc09_custom_validator_message_and_discriminator_tag_are_not_echoed() -> None:
    with pytest.raises(ValidationError) as err:
        _Strict.model_validate({"kind": PHONE, "phone": ID_NUMBER})
    problems = problems_from_error(err.value)
    assert [p.field for p in problems] == ["kind", "phone"]
    assert problems[1].message == "is not a valid value (value_error)"
    with pytest.raises(ValidationError) as tagged:
        _Tagged.model_validate({"item": {"kind": PHONE}})
    assert PHONE in str(tagged.value.errors()[0]["msg"])  # pydantic's own message echoes the tag
    problems += problems_from_error(tagged.value)
    assert problems[-1].message == "'kind' must be one of 'a', 'b' (union_tag_invalid)"
    for problem in problems:
        _no_secret(problem.message)


def test_xc09_http_validation_errors_skip_body_prefix_and_input() -> None:
    errors = [
        {"type": "string_pattern_mismatch", "loc": ("body", "owner_id"), "msg": f"bad {PHONE}", "input": PHONE,
         "ctx": {"pattern": "^x$"}},
        {"type": "unknown_thing", "loc": ("body", "x"), "msg": f"tag {PHONE}", "input": PHONE, "ctx": {"tag": PHONE}},
    ]  # fmt: skip
    problems = problems_from_validation(errors)
    assert [(p.field, p.message) for p in problems] == [
        ("owner_id", "must match pattern ^x$ (string_pattern_mismatch)"),
        ("x", "is not valid (unknown_thing)"),
    ]


def test_xc09_safe_error_text_of_a_validation_error_has_fields_and_types_only() -> None:
    exc = _report_error(owner_id=f"+86{PHONE}", description=None, unit_id=ID_NUMBER + "/x")
    assert "input_value" in str(exc) and PHONE in str(exc)  # what a plain str() would have leaked
    text = safe_error_text(exc)
    _no_secret(text)
    assert text.startswith("ValidationError: 3 validation error(s) for ReportClaim: ")
    assert "owner_id [string_pattern_mismatch]" in text
    assert "description [string_type]" in text


def test_xc09_safe_error_text_of_a_payload_parsed_from_an_envelope() -> None:
    from anju_contracts import Actor

    envelope = Envelope.wrap(
        ReportClaim(
            claim_id="C-1", unit_id="U-1", owner_id="o-1", part="waterproofing", item="a", location="b", description="c"
        ),
        region="shanghai",
        producer="test",
        actor=Actor(id="o-1", role="owner", region="shanghai"),
    )
    bad = envelope.model_copy(update={"data": {**envelope.data, "owner_id": ID_NUMBER + "@x"}})
    with pytest.raises(ValidationError) as err:
        parse(bad)
    _no_secret(safe_error_text(err.value))
    _no_secret(" ".join(p.message for p in problems_from_error(err.value)))


def test_xc09_safe_error_text_of_request_validation_error() -> None:
    exc = RequestValidationError([{"type": "missing", "loc": ("body", "x"), "msg": "Field required", "input": PHONE}])
    assert safe_error_text(exc) == "RequestValidationError: 1 validation error(s): body.x [missing]"


def test_xc09_safe_error_text_of_decode_errors_gives_the_position_only() -> None:
    with pytest.raises(json.JSONDecodeError) as jerr:
        json.loads(f'{{"phone": {PHONE}x}}')
    assert safe_error_text(jerr.value) == "JSONDecodeError: not valid JSON at line 1 column 22 (char 21)"
    with pytest.raises(UnicodeDecodeError) as uerr:
        (ID_NUMBER.encode() + b"\xff").decode()
    assert safe_error_text(uerr.value) == "UnicodeDecodeError: not valid utf-8 at byte 18"
    assert safe_error_text(RecursionError("maximum recursion depth exceeded")) == (
        "RecursionError: the message is nested too deeply"
    )


def test_xc09_safe_error_text_of_other_errors_is_type_and_screened_message_bounded() -> None:
    assert safe_error_text(KeyError("missing x")) == "KeyError: 'missing x'"
    assert safe_error_text(RuntimeError(f"owner {ID_NUMBER} not found")) == (
        "RuntimeError: owner 310***********1234 not found"
    )
    long = safe_error_text(RuntimeError("x" * 5000))
    assert len(long) == 1000
    assert long.startswith("RuntimeError: xxx")


# -- over HTTP: the framework's own refusals and the token's are typed like ours ----------------------------


async def test_xc09_a_path_no_route_serves_a_wrong_method_and_a_missing_or_bad_token_are_typed_problems() -> None:
    """Tried from outside: every refusal is a Problem with a reason code and the field it is about (the
    path, the method, the Authorization header), and none repeats what was sent — the path or the token."""
    app = FastAPI()
    app.state.tokens = ActorTokens("the-deployment-s-own-secret-of-32-bytes", "shanghai")
    install_problem_handlers(app)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str, actor: CurrentActor) -> dict[str, str]:
        return {"thing_id": thing_id}

    forged = issue_token(Actor(id="u-1", role=Role.REGULATOR, region="shanghai"), "another-secret-of-32-bytes-at-least")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        answers = {
            "no route": (await client.get(f"/things/{PHONE}/../x/{ID_NUMBER}"), 404, "NOT_FOUND", "path"),
            "method": (await client.delete(f"/things/{PHONE}"), 405, "METHOD_NOT_ALLOWED", "method"),
            "no token": (await client.get(f"/things/{PHONE}"), 401, "TOKEN_MISSING", "Authorization"),
            "forged": (
                await client.get("/things/t-1", headers={"Authorization": f"Bearer {forged}"}),
                401,
                "TOKEN_INVALID",
                "Authorization",
            ),
        }
    for name, (response, status, code, field) in answers.items():
        assert response.status_code == status, name
        body = response.json()
        assert body["reason_code"] == code and [p["field"] for p in body["problems"]] == [field], name
        _no_secret(response.text)
        assert forged not in response.text
    assert answers["method"][0].headers["allow"] == "GET"
