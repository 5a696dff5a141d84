"""The API's errors and the one place that maps errors to HTTP answers.

Every error body is ``{"error": <code>, "message": <Chinese / English>, "detail": …}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import ClientError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.security import BadPurpose, PurposeRequired
from graph.errors import KgError, Neo4jUnavailable, NotFound, QueryParamError

log = logging.getLogger(__name__)


class Unauthorized(KgError):
    """No token, or a token that is unknown or revoked."""


class Forbidden(KgError):
    """The caller's role may not use this endpoint or read this data."""


class TooMany(KgError):
    """Too many requests: throttled client or busy expensive routes (429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(KgError):
    """A parameter the request model cannot check (an entity id, a cursor)."""


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: Any = None


_STATUS: list[tuple[type[KgError], int, str]] = [
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (PurposeRequired, 400, "purpose_required"),
    (BadPurpose, 400, "bad_purpose"),
    (TooMany, 429, "too_many_requests"),
    (BadRequest, 422, "bad_parameter"),
    (NotFound, 404, "not_found"),
    (QueryParamError, 422, "bad_parameter"),
    (Neo4jUnavailable, 503, "neo4j_unavailable"),
]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或令牌无效 / missing or invalid token"},
    403: {"model": ErrorBody, "description": "角色无权访问 / the role may not access this"},
    422: {"model": ErrorBody, "description": "参数有误 / bad parameters"},
    400: {"model": ErrorBody, "description": "缺少调阅事由或事由无效 / purpose missing or invalid"},
    413: {"model": ErrorBody, "description": "请求体过大 / request body over 1 MB"},
    414: {
        "model": ErrorBody,
        "description": "查询串过长或参数过多 / query string too long or too many parameters",
    },
    429: {
        "model": ErrorBody,
        "description": "请求过多，稍后重试 / too many requests, retry later (Retry-After)",
    },
    431: {"model": ErrorBody, "description": "请求头过大 / request headers too large"},
    503: {"model": ErrorBody, "description": "Neo4j 不可用 / Neo4j unavailable"},
    504: {"model": ErrorBody, "description": "查询超时 / query timed out"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "不存在 / not found"}}
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, spec in {**ERROR_RESPONSES, **NOT_FOUND}.items()
}
"""The same error answers, documented as JSON even on routes whose success is HTML (views pages)."""
PURPOSE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "缺少调阅事由或事由无效 / purpose missing or invalid"}
}


def error_response(
    status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        ErrorBody(error=code, message=message, detail=detail).model_dump(),
        status_code=status,
        headers=headers,
    )


def _audit_denial(request: Request, outcome: str, status: int) -> None:
    principal = getattr(request.state, "principal", None)
    audit = getattr(request.app.state, "audit", None)
    if principal is None or audit is None:
        return
    from api.audit import make_record
    from api.auth import append_record

    route = request.scope.get("route")
    params = {k: v for k, v in request.query_params.items() if k != "purpose"}
    append_record(
        request,
        make_record(
            principal,
            endpoint=getattr(route, "path", request.url.path),
            method=request.method,
            path=request.url.path,
            params=params,
            entity_ids=[],
            outcome=outcome,
            status=status,
            purpose=getattr(request.state, "purpose", None),
            client=request.client.host if request.client else None,
        ),
    )


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(KgError)
    def kg_error(request: Request, exc: KgError) -> JSONResponse:
        status, code = next(((s, c) for cls, s, c in _STATUS if isinstance(exc, cls)), (400, "error"))
        if status in (403, 400):
            _audit_denial(request, code, status)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, TooMany):
            headers = {"Retry-After": str(exc.retry_after)}
        # 422 bodies keep FastAPI's documented shape: ``detail`` is a list of {loc, msg, type}.
        detail = [{"loc": ["request"], "msg": str(exc), "type": code}] if status == 422 else None
        return error_response(status, code, str(exc), detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        return error_response(422, "bad_parameter", f"参数有误 / bad parameters: {where}", errors)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "没有这个地址 / no such path", 405: "不支持此方法 / method not allowed"}
        msg = messages.get(exc.status_code, str(exc.detail))
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Several routes may share a path (GET and POST /login): list every method they allow.
            methods: set[str] = set()
            for route in request.app.router.routes:
                if route.matches(request.scope)[0] != Match.NONE:
                    methods |= set(getattr(route, "methods", None) or ())
            headers = {"Allow": ", ".join(sorted(methods))}
        return error_response(exc.status_code, "http_error", msg, headers=headers)

    @app.exception_handler(Neo4jError)
    @app.exception_handler(DriverError)
    def neo4j_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, (ServiceUnavailable, SessionExpired)):
            return error_response(
                503, "neo4j_unavailable", "图数据库暂时不可用，请稍后重试 / Neo4j is unavailable, retry later"
            )
        if isinstance(exc, ClientError) and "TransactionTimedOut" in (exc.code or ""):
            return error_response(
                504,
                "query_timeout",
                "查询超时，请缩小范围后重试 / the query ran past its time limit; narrow it and retry",
            )
        log.exception("Neo4j error on %s", request.url.path)
        return error_response(
            503, "neo4j_error", f"图数据库错误 / Neo4j error: {getattr(exc, 'code', '') or exc}"
        )
