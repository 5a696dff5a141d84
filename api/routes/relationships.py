"""Relationships for other systems: filtered, stably ordered, paginated with an opaque cursor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.audit import decode_cursor, encode_cursor
from api.deps import AuditDep, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, PURPOSE, BadRequest
from api.graphread import relationships
from api.models import IsoDate, RelationshipPage, RelType
from api.security import Principal, disclose
from api.shape import parse_entity_id
from graph.schema import NODE_SPECS

router = APIRouter(tags=["relationships"], responses=ERROR_RESPONSES)

ENTITY_ID_PATTERN = "^(" + "|".join(s.label for s in NODE_SPECS) + "):.+$"
RelPrincipal = Annotated[Principal, Depends(require("relationships"))]


def _entity_param(value: str | None, name: str) -> tuple[str, str] | None:
    if value is None:
        return None
    parsed = parse_entity_id(value)
    if parsed is None:
        raise BadRequest(f"{name} 应为“类型:主键”，如 Officer:010203 / {name} must be <Type>:<key>, e.g. "
                         f"Officer:010203; got {value!r}")
    return parsed


@router.get("/relationships", response_model=RelationshipPage, responses=PURPOSE,
            summary="关系查询 / relationships")
def list_relationships(
    request: Request, principal: RelPrincipal, purpose: PurposeDep, driver: DriverDep, settings: SettingsDep,
    audit: AuditDep,
    type: Annotated[RelType | None, Query(description="关系类型 / relationship type")] = None,  # type: ignore[valid-type]
    from_: Annotated[str | None, Query(alias="from", max_length=300, pattern=ENTITY_ID_PATTERN,
                                       description="起点实体 / from entity, e.g. Officer:010203")] = None,
    to: Annotated[str | None, Query(max_length=300, pattern=ENTITY_ID_PATTERN, description="终点实体 / to entity, e.g. Unit:U0101")] = None,
    since: Annotated[IsoDate | None, Query(description="时间范围起 / from date (inclusive)")] = None,
    until: Annotated[IsoDate | None, Query(description="时间范围止 / to date (inclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000, description="上一页返回的游标 / from the last page")] = None,
) -> Any:
    """Ordered by type, from key, to key and key properties. With ``since``/``until`` only dated
    relationships match: postings and roles that overlap the range, other types by their date."""
    after = None
    if cursor is not None:
        after = decode_cursor(cursor, 4)
        if after is None:
            raise BadRequest("游标无效 / invalid cursor")
    if since is not None and until is not None and since > until:
        raise BadRequest("since 晚于 until / since is after until")
    items, last = relationships(
        driver, settings.neo4j_database, principal.role, rel_type=str(type.value) if type else None,
        from_id=_entity_param(from_, "from"), to_id=_entity_param(to, "to"), since=since, until=until,
        limit=limit, after=after, timeout=settings.kg_query_timeout)
    d = disclose(principal, purpose, edges=items, edges_only=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    return {"items": d.edges, "next_cursor": encode_cursor(last) if last else None}
