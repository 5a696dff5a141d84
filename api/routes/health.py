"""``GET /health``: is Neo4j reachable (no authentication)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import DriverHolder
from api.models import Health

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    response_model=Health,
    summary="健康检查 / health",
    responses={503: {"model": Health, "description": "Neo4j 不可用 / Neo4j unreachable"}},
)
def health(request: Request) -> Any:
    holder: DriverHolder = request.app.state.drivers
    if holder.reachable():
        return Health(status="ok", neo4j="up", message="服务正常 / all good")
    body = Health(
        status="degraded",
        neo4j="down",
        message="图数据库不可用，恢复后服务自动重连 / Neo4j is unreachable; the API reconnects when it returns",
    )
    return JSONResponse(body.model_dump(), status_code=503)
