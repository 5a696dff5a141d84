"""Graph views: JSON (`GET /views/{name}`), HTML pages (`GET /views/{name}.html`) and the leaders' home page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.deps import COOKIE_NAME, AuditDep, DriverDep, PurposeDep, SettingsDep, current_principal, require
from api.errors import Forbidden, Unauthorized
from api.routes.entities import personal_ids
from api.security import Principal, filter_graph
from graph.errors import QueryParamError
from graph.schema import parse_cn_date
from queries.period import data_as_of
from queries.registry import get_query
from viz.home import key_figures, render_home
from viz.model import GraphView, ViewEdge, ViewNode
from viz.render import render_html
from viz.views import ViewDef, all_views, get_view

router = APIRouter(tags=["views"])

ViewsPrincipal = Annotated[Principal, Depends(require("views"))]
NamePath = Annotated[str, Path(max_length=100, description="视图名 / view name (GET /views)")]

_bearer = HTTPBearer(auto_error=False)
_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False)


def browser_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """Like the API's authentication, but None (→ redirect to /login) instead of 401."""
    try:
        principal = current_principal(request, bearer, cookie)
    except Unauthorized:
        return None
    if not principal.role.can("views"):
        raise Forbidden(f"角色“{principal.role.title}”无权查看视图 / role {principal.role.name} may not use the views")
    return principal


BrowserPrincipal = Annotated[Principal | None, Depends(browser_principal)]


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)


def view_denial(v: ViewDef, principal: Principal) -> str | None:
    """A view needs the scopes of every query it calls. Views are pictures with names masked per
    role, so the queries' ``aggregate_only`` rule (which keeps leaders from row listings) does
    not apply here."""
    missing: set[str] = set()
    for name in v.queries:
        missing |= set(get_query(name).scopes) - principal.role.scopes
    if missing:
        return (f"角色“{principal.role.title}”无权查看此视图涉及的数据（{', '.join(sorted(missing))}） / role "
                f"{principal.role.name} lacks the scopes {sorted(missing)} this view touches")
    return None


def _params(request: Request) -> dict[str, Any]:
    return {k: v for k, v in request.query_params.items() if k not in ("purpose",) and v != ""}


def _build_masked(name: str, request: Request, principal: Principal, purpose: str | None, driver: Any,
                  database: str, audit: Any) -> GraphView:
    v = get_view(name)
    why = view_denial(v, principal)
    if why:
        raise Forbidden(why)
    raw = _params(request)
    view = v.build(driver, database, raw)
    nodes = [n.model_dump() for n in view.nodes]
    edges = [e.entity() for e in view.edges]
    # Aggregate nodes stand for many entities and carry no personal data: kept as they are.
    aggregates = [n for n in nodes if n.get("aggregate")]
    kept, kept_edges = filter_graph([n for n in nodes if not n.get("aggregate")], edges, principal, purpose)
    ids = {n["id"] for n in kept}
    agg_ids = {n["id"] for n in aggregates}
    kept_edges += [e for e in edges if (e["from"] in agg_ids or e["to"] in agg_ids)
                   and {e["from"], e["to"]} <= ids | agg_ids and principal.role.reads_rel(e["type"])]
    view.nodes = [ViewNode(**n) for n in kept + aggregates]
    view.edges = [ViewEdge(**e) for e in kept_edges]
    ids_personal = personal_ids([n for n in kept])
    if ids_personal:
        audit.record(principal, request, entity_ids=ids_personal, params=raw)
    return view


@router.get("/views", summary="视图列表 / graph views")
def list_views(principal: ViewsPrincipal) -> Any:
    return [{"name": v.name, "title": v.title, "description": v.description, "entity": v.entity,
             "params": v.param_list(), "html": f"/views/{v.name}.html",
             "allowed": view_denial(v, principal) is None} for v in all_views()]


@router.get("/views/{name}.html", response_class=HTMLResponse,
            summary="视图网页 / a view as an interactive page (cookie from /login accepted)")
def view_html(name: NamePath, request: Request, principal: BrowserPrincipal, purpose: PurposeDep,
              driver: DriverDep, settings: SettingsDep, audit: AuditDep) -> Response:
    if principal is None:
        return _to_login(request)
    view = _build_masked(name, request, principal, purpose, driver, settings.neo4j_database, audit)
    return HTMLResponse(render_html(view, api_base="", home_link="/"))


@router.get("/views/{name}", summary="视图数据 / a view's nodes, edges and legend (JSON)")
def view_json(name: NamePath, request: Request, principal: ViewsPrincipal, purpose: PurposeDep,
              driver: DriverDep, settings: SettingsDep, audit: AuditDep) -> Any:
    view = _build_masked(name, request, principal, purpose, driver, settings.neo4j_database, audit)
    data = view.model_dump()
    data["edges"] = [e.entity() for e in view.edges]
    return data


@router.get("/", response_class=HTMLResponse, summary="领导首页 / the leaders' home page")
def home(request: Request, principal: BrowserPrincipal, driver: DriverDep, settings: SettingsDep,
         as_of: Annotated[str | None, Query(max_length=20, description="截至日期 / as-of date")] = None) -> Response:
    if principal is None:
        return _to_login(request)
    try:
        # default: the data's own date (an old export is not judged against today)
        day = parse_cn_date(as_of) if as_of else (data_as_of(driver, settings.neo4j_database) or dt.date.today())
    except ValueError as e:
        raise QueryParamError(f"截至日期有误 / bad as_of: {e}") from e
    figures = key_figures(driver, settings.neo4j_database, day)
    return HTMLResponse(render_home(figures, day, role_title=principal.role.title))
