"""The access log, for 从严办 only: read-only, filtered, newest first, paginated."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.audit import read_records
from api.cursor import decode_cursor, encode_cursor
from api.deps import DriverDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, BadRequest
from api.models import AuditPage, IsoDateTime
from api.security import Principal

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)

AuditPrincipal = Annotated[Principal, Depends(require("audit"))]


@router.get("/audit", response_model=AuditPage, summary="调阅记录 / access log")
def list_access_records(
    principal: AuditPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    token_id: Annotated[str | None, Query(max_length=100, description="令牌编号 / token id")] = None,
    role: Annotated[str | None, Query(max_length=100, description="角色 / role (English name)")] = None,
    endpoint: Annotated[
        str | None, Query(max_length=200, description="接口 / e.g. /entities/{type}/{key}")
    ] = None,
    entity: Annotated[
        str | None, Query(max_length=300, description="涉及实体 / entity id, e.g. Officer:010203")
    ] = None,
    outcome: Annotated[
        str | None, Query(max_length=50, description="结果 / ok, forbidden, purpose_required")
    ] = None,
    since: Annotated[IsoDateTime | None, Query(description="起始时间 / from (inclusive)")] = None,
    until: Annotated[IsoDateTime | None, Query(description="截止时间 / to (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Any:
    """Who read what, when, with which purpose; newest first."""
    after = None
    if cursor is not None:
        after = decode_cursor(cursor, 2)
        try:
            if after is not None:
                dt.datetime.fromisoformat(after[0])
        except ValueError:
            after = None
        if after is None:
            raise BadRequest("游标无效 / invalid cursor")
    rows, last = read_records(
        driver,
        settings.neo4j_database,
        timeout=settings.kg_query_timeout,
        token_id=token_id,
        role=role,
        endpoint=endpoint,
        entity_id=entity,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        after=after,
    )
    return {"items": rows, "next_cursor": last}


__all__ = ["router", "encode_cursor"]
