"""The FastAPI application: ``create_app(settings)``; ``kg serve`` runs it with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI

from api.audit import AuditWriter
from api.deps import Audit, DriverHolder, reject_unknown_query
from api.errors import JSON_ERRORS, install_handlers
from api.routes import audit, entities, health, login, orders, queries, relationships, reports, views
from api.security import load_roles
from api.tokens import TokenCache
from graph.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """监督知识图谱 HTTP 接口：实体、关系、预置查询、图谱视图；按监督部门分配的角色控制数据范围，
个人信息脱敏，调阅留痕。

Supervision knowledge graph over HTTP: entities, relationships, prepared queries and graph views,
with per-department roles, masking of personal data and an access log. Authenticate with
`Authorization: Bearer <token>` (tokens from `kg token create`) or the `kg_token` cookie set by `/login`.
"""


def create_app(settings: Settings | None = None, *, token_ttl: float = 10.0) -> FastAPI:
    """Build the app. The driver is created at start-up; if Neo4j is down then, the app still
    starts, answers 503, and connects once Neo4j is back."""
    settings = settings or get_settings()
    load_roles()  # a bad roles.toml fails here, not on the first request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Blocking driver calls run in a worker thread, never on the event loop.
        if not await anyio.to_thread.run_sync(app.state.drivers.reachable):
            log.warning("Neo4j is not reachable at start-up; the API starts and connects when it returns")
        app.state.audit.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(app.state.audit.close)
            await anyio.to_thread.run_sync(app.state.drivers.close)

    app = FastAPI(title="监督知识图谱 API / Supervision knowledge graph API", version="0.1.0",
                  description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.drivers = DriverHolder(settings)
    writer = AuditWriter(lambda: app.state.drivers.get(), settings.neo4j_database)
    app.state.tokens = TokenCache(token_ttl)
    app.state.audit = writer
    app.state.audit_api = Audit(writer)
    install_handlers(app)
    strict = [Depends(reject_unknown_query)]
    app.include_router(health.router)
    app.include_router(login.router)
    for module in (entities, relationships, queries, reports, audit):
        app.include_router(module.router, dependencies=strict)
    app.include_router(views.router, responses=JSON_ERRORS)
    orders.install(app)  # /orders, /consultations and their pages
    return app
