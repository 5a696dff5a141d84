"""Relationships for other systems: filtered, stably ordered, paginated with an opaque cursor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.cursor import RelationshipCursor
from api.deps import AuditDep, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, PURPOSE, BadRequest
from api.graphread import relationships, runs_since
from api.models import IsoDate, IsoDateTime, RelationshipPage, RelType
from api.security import Principal, alias_edge_ends, disclose, mask_entity
from api.shape import json_response
from graph.schema import NODE_SPECS
from graph.shape import EntityIdError, parse_entity_id

router = APIRouter(tags=["relationships"], responses=ERROR_RESPONSES)

ENTITY_ID_PATTERN = "^(" + "|".join(s.label for s in NODE_SPECS) + "):.+$"
RelPrincipal = Annotated[Principal, Depends(require("relationships"))]


def _entity_param(value: str | None, name: str) -> tuple[str, str] | None:
    if value is None:
        return None
    try:
        return parse_entity_id(value)
    except EntityIdError:
        raise BadRequest(
            f"{name} 应为“类型:主键”，如 Officer:010203 / {name} must be <Type>:<key>, e.g. "
            f"Officer:010203; got {value!r}"
        ) from None


@router.get(
    "/relationships", response_model=RelationshipPage, responses=PURPOSE, summary="关系查询 / relationships"
)
def list_relationships(
    request: Request,
    principal: RelPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    type: Annotated[RelType | None, Query(description="关系类型 / relationship type")] = None,  # type: ignore[valid-type]
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=300,
            pattern=ENTITY_ID_PATTERN,
            description="起点实体 / from entity, e.g. Officer:010203",
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(max_length=300, pattern=ENTITY_ID_PATTERN, description="终点实体 / to entity, e.g. Unit:U0101"),
    ] = None,
    since: Annotated[IsoDate | None, Query(description="时间范围起 / from date (inclusive)")] = None,
    until: Annotated[IsoDate | None, Query(description="时间范围止 / to date (inclusive)")] = None,
    changed_since: Annotated[
        IsoDateTime | None,
        Query(
            description="只要此时刻之后的导入所改动的关系（或其端点）/ only relationships that an ingest run "
            "started after this time created or changed, or whose endpoint it changed "
            "(ISO datetime, e.g. 2026-06-30T08:00:00Z)"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="上一页返回的游标 / from the last page")
    ] = None,
) -> Any:
    """Ordered by type, from key, to key and key properties. With ``since``/``until`` only dated
    relationships match: postings and roles that overlap the range, other types by their date."""
    after = RelationshipCursor.decode(cursor) if cursor is not None else None
    if since is not None and until is not None and since > until:
        raise BadRequest("since 晚于 until / since is after until")
    runs = None
    if changed_since is not None:
        runs = runs_since(driver, settings.neo4j_database, changed_since, settings.kg_query_timeout)
    items, last, total = relationships(
        driver,
        settings.neo4j_database,
        principal.role,
        rel_type=str(type.value) if type else None,
        from_id=_entity_param(from_, "from"),
        to_id=_entity_param(to, "to"),
        since=since,
        until=until,
        limit=limit,
        after=after,
        timeout=settings.kg_query_timeout,
        changed_runs=runs,
    )
    d = disclose(principal, purpose, edges=items, edges_only=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    shown = [_with_endpoints(e, principal) for e in d.edges]
    return json_response({"items": shown, "total": total, "next_cursor": last.encode() if last else None})


def endpoint_ref(entity: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """Type, key and display name of an endpoint, masked as the role sees it (no other fields)."""
    shown = mask_entity(entity, principal)
    return {"id": shown["id"], "type": shown["type"], "key": shown["key"], "name": shown.get("caption")}


def _with_endpoints(edge: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The edge with its ends named as the role sees them; masked keys become the same aliases
    in ``from``/``to`` as in the endpoint references."""
    out = dict(edge)
    alias: dict[str, str] = {}
    for end, side in (("from_entity", "from"), ("to_entity", "to")):
        if out.get(end) is not None:
            ref = endpoint_ref(out[end], principal)
            out[end] = ref
            if ref["id"] != out[side]:
                alias[out[side]] = ref["id"]
    return alias_edge_ends(out, alias) if alias else out
