"""Typed refusals: the same reason codes over HTTP (4xx JSON) as on the rejection topics (XC-07)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from anju_contracts import FailedCondition, FieldProblem, ReasonCode
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


def problems_from_validation(
    errors: list[Any], *, skip_prefix: tuple[str, ...] = ("body",)
) -> tuple[FieldProblem, ...]:
    out: list[FieldProblem] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        while loc and loc[0] in skip_prefix:
            loc = loc[1:]
        out.append(FieldProblem(field=".".join(loc), message=str(err.get("msg", ""))[:500]))
    return tuple(out)


def problems_from_error(exc: ValidationError) -> tuple[FieldProblem, ...]:
    return problems_from_validation(list(exc.errors()))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        REJECTED.labels(reason_code=exc.reason_code).inc()
        body = Problem(reason_code=exc.reason_code, detail=exc.detail, rule_id=exc.rule_id, problems=list(exc.problems))
        return JSONResponse(body.model_dump(mode="json"), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        REJECTED.labels(reason_code=ReasonCode.VALIDATION_FAILED).inc()
        problems = problems_from_validation(list(exc.errors()))
        body = Problem(
            reason_code=ReasonCode.VALIDATION_FAILED, detail="The request is not valid.", problems=list(problems)
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=422)


def safe_error_text(exc: BaseException) -> str:
    """Describes ``exc`` for a DLQ header or a log line without any submitted value (XC-09).

    ``str(ValidationError)`` repeats the input (``input_value=…``); here only the fields and error types."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_input=False, include_url=False)
        where = ", ".join(f"{'.'.join(map(str, e.get('loc', ()))) or '(root)'}: {e.get('type')}" for e in errors[:10])
        return f"ValidationError: {len(errors)} error(s): {where}"[:1000]
    if isinstance(exc, UnicodeDecodeError):
        return f"UnicodeDecodeError: not UTF-8 at byte {exc.start}"
    if isinstance(exc, RecursionError):
        return "RecursionError: nested too deeply"
    return f"{type(exc).__name__}: {exc}"[:1000]
