"""The FastAPI application: ``create_app(settings)``; ``kg serve`` runs it with uvicorn."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.audit import AuditWriter
from api.auth import Identities, VerifyGate
from api.deps import Audit, DriverHolder, reject_unknown_query
from api.errors import JSON_ERRORS, install_handlers
from api.limits import EXPENSIVE_CONCURRENCY, FAILURE_LIMIT, Gate, LimitsMiddleware, Throttle, worker_share
from api.querymodels import request_schemas
from api.routes import audit, entities, health, login, orders, queries, relationships, reports, views
from api.security import load_roles
from api.tokens import TokenCache
from graph.settings import Settings, get_settings
from queries.registry import all_queries

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCS_ASSETS = "/static/docs"

DESCRIPTION = """监督知识图谱 HTTP 接口：实体、关系、预置查询、图谱视图；按监督部门分配的角色控制数据范围，
个人信息脱敏，调阅留痕。

Supervision knowledge graph over HTTP: entities, relationships, prepared queries and graph views,
with per-department roles, masking of personal data and an access log. Authenticate with
`Authorization: Bearer <token>` (tokens from `kg token create`) or the `kg_session` cookie set by `POST /login`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    token_ttl: float = 0.0,
    expensive_concurrency: int = EXPENSIVE_CONCURRENCY,
) -> FastAPI:
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
        # Everything built so far (the app, the prepared queries, the schema) lives as long as
        # the process: keep it out of the garbage collector's full passes, which otherwise
        # stalled every request for 100–180 ms a few times a minute under load.
        all_queries()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(app.state.audit.close)
            gc.unfreeze()  # an app built in a longer-lived process (tests) leaves nothing pinned
            await app.state.drivers.close_async()
            await anyio.to_thread.run_sync(app.state.drivers.close)

    app = FastAPI(
        title="监督知识图谱 API / Supervision knowledge graph API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Nothing collects OpenTelemetry on the bureau's air-gapped network: no per-request checks.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.drivers = DriverHolder(settings)
    writer = AuditWriter(lambda: app.state.drivers.get(), settings.neo4j_database)
    app.state.tokens = TokenCache(token_ttl)
    app.state.identities = Identities()
    # Limits meant for the whole server are split among the worker processes of `kg serve`.
    workers = settings.kg_api_workers
    app.state.throttle = Throttle(worker_share(FAILURE_LIMIT, workers))
    app.state.gate = Gate(worker_share(expensive_concurrency, workers))
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
    install_docs(app)
    app.add_middleware(VerifyGate)  # inside the limits: its answers get the security headers too
    app.add_middleware(LimitsMiddleware)
    return app


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` from assets shipped in the package (no CDN), and an
    OpenAPI document that carries every prepared query's parameter model."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=STATIC_DIR / "docs"), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · ReDoc",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            with_google_fonts=False,
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, sub in request_schemas(all_queries()).items():
                comps.setdefault(name, sub)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
