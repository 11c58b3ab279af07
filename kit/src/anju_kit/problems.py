"""Typed refusals: the same reason codes over HTTP (4xx JSON) as on the rejection topics (XC-07)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from anju_contracts import FailedCondition, FieldProblem, ReasonCode
from anju_contracts.privacy import mask_personal_data
from anju_kit.logging import get_logger
from anju_kit.metrics import REJECTED

log = get_logger(__name__)


class ProblemError(Exception):
    """Raise from a route or use case to answer with a typed 4xx."""

    def __init__(
        self,
        status: int,
        reason_code: str,
        detail: str,
        *,
        rule_id: str | None = None,
        problems: tuple[FieldProblem, ...] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.reason_code = reason_code
        self.detail = detail
        self.rule_id = rule_id
        self.problems = problems


class Problem(BaseModel):
    """Body of every 4xx answer."""

    reason_code: str
    detail: str
    rule_id: str | None = None
    problems: list[FieldProblem] = []
    failures: list[FailedCondition] = []


# What a field must be, per pydantic error type, from the constraint in the error's ``ctx`` (XC-09:
# the rule, never the submitted value). pydantic's own ``msg`` is not used where it can carry input:
# "Value error, <whatever the validator said>", "Input tag '<value>' found …".
_RULES: Mapping[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not an allowed field",
    "string_pattern_mismatch": "must match pattern {pattern}",
    "string_too_short": "at least {min_length} characters",
    "string_too_long": "at most {max_length} characters",
    "too_short": "at least {min_length} items",
    "too_long": "at most {max_length} items",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "enum": "must be one of {expected}",
    "literal_error": "must be {expected}",
    "union_tag_invalid": "{discriminator} must be one of {expected_tags}",
    "union_tag_not_found": "needs the discriminator {discriminator}",
    "decimal_max_digits": "at most {max_digits} digits",
    "decimal_max_places": "at most {decimal_places} decimal places",
    "value_error": "is not a valid value",
    "assertion_error": "is not a valid value",
    "json_invalid": "is not valid JSON",
}
_MAX_MESSAGE = 500
# The framework's own refusals (no route serves the path, a method the route does not take): typed like
# ours, never its {"detail": "Not Found"} — and never the path, which is what the caller sent.
_FRAMEWORK: Mapping[int, tuple[str, str, str]] = {
    404: (ReasonCode.NOT_FOUND, "No resource is served at this path.", "path"),
    405: ("METHOD_NOT_ALLOWED", "This path does not take this method.", "method"),
}
_MAX_ERROR_TEXT = 1000


def _rule(err: Mapping[str, Any]) -> str:
    """``"must match pattern ^…$ (string_pattern_mismatch)"``: the rule and the error type only."""
    kind = str(err.get("type", "invalid"))
    ctx = err.get("ctx") or {}
    template = _RULES.get(kind)
    if template is not None:
        try:
            text = template.format(**{k: str(v) for k, v in ctx.items()})
        except (KeyError, IndexError):  # another pydantic version named the constraint differently
            text = "is not valid"
    elif not ctx:
        # Without ctx pydantic's message is a fixed sentence ("Input should be a valid integer").
        text = str(err.get("msg", "is not valid"))
    else:
        text = "is not valid"  # a ctx we do not know may hold part of the input: leave it out
    return f"{text} ({kind})"


def _field_path(err: Mapping[str, Any], skip_prefix: tuple[str, ...]) -> str:
    loc = [str(p) for p in err.get("loc", ())]
    while loc and loc[0] in skip_prefix:
        loc = loc[1:]
    # A path can hold submitted dict keys; those are screened like any text.
    return mask_personal_data(".".join(loc))


def _error_list(errors: list[Any]) -> str:
    return "; ".join(f"{_field_path(e, ())} [{e.get('type', 'invalid')}]" for e in errors)


def problems_from_validation(
    errors: list[Any], *, skip_prefix: tuple[str, ...] = ("body",)
) -> tuple[FieldProblem, ...]:
    """One :class:`FieldProblem` per error: the field path and the rule it breaks, never the input."""
    return tuple(FieldProblem(field=_field_path(err, skip_prefix), message=_rule(err)[:_MAX_MESSAGE]) for err in errors)


def problems_from_error(exc: ValidationError) -> tuple[FieldProblem, ...]:
    return problems_from_validation(list(exc.errors()))


def safe_error_text(exc: BaseException) -> str:
    """Describe ``exc`` for a DLQ header or a log line without any submitted value (XC-09).

    ``str(ValidationError)`` repeats every input (``input_value='310101…'``) and a decode error
    quotes the bytes around the fault, so those get a fixed text with positions only. Any other
    exception is its type and message, screened for ID and mobile numbers. At most 1000 characters.
    """
    name = type(exc).__name__
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        text = f"{name}: {len(errors)} validation error(s) for {exc.title}: {_error_list(list(errors))}"
    elif isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
        text = f"{name}: {len(errors)} validation error(s): {_error_list(errors)}"
    elif isinstance(exc, json.JSONDecodeError):
        text = f"{name}: not valid JSON at line {exc.lineno} column {exc.colno} (char {exc.pos})"
    elif isinstance(exc, UnicodeDecodeError):
        text = f"{name}: not valid {exc.encoding} at byte {exc.start}"
    elif isinstance(exc, RecursionError):
        text = f"{name}: the message is nested too deeply"
    else:
        text = f"{name}: {mask_personal_data(str(exc))}"
    if len(text) > _MAX_ERROR_TEXT:
        text = text[: _MAX_ERROR_TEXT - 1] + "…"
    return text


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        REJECTED.labels(reason_code=exc.reason_code).inc()
        body = Problem(reason_code=exc.reason_code, detail=exc.detail, rule_id=exc.rule_id, problems=list(exc.problems))
        return JSONResponse(body.model_dump(mode="json"), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _framework(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, detail, field = _FRAMEWORK.get(exc.status_code, ("HTTP_ERROR", "The request was refused.", ""))
        REJECTED.labels(reason_code=code).inc()
        problems = [FieldProblem(field=field, message=detail)] if field else []
        body = Problem(reason_code=code, detail=detail, problems=problems)
        return JSONResponse(body.model_dump(mode="json"), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        REJECTED.labels(reason_code=ReasonCode.VALIDATION_FAILED).inc()
        problems = problems_from_validation(list(exc.errors()))
        body = Problem(
            reason_code=ReasonCode.VALIDATION_FAILED, detail="The request is not valid.", problems=list(problems)
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=422)
