"""Graph views: JSON (`GET /views/{name}`), HTML pages (`GET /views/{name}.html`) and the leaders' home page."""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import AuditDep, DriverDep, PagePrincipal, PurposeDep, SettingsDep, require
from api.errors import Forbidden
from api.limits import expensive
from api.security import BadPurpose, Principal, PurposeRequired, clean_purpose, disclose, resolve_key
from graph.errors import QueryParamError
from graph.schema import REL_SPECS, node_spec, parse_cn_date
from queries.period import data_as_of
from queries.registry import get_query
from viz.home import home_data, render_home
from viz.model import GraphView, ViewEdge, ViewNode
from viz.render import FAVICON, render_html
from viz.views import ViewDef, all_views, get_view

router = APIRouter(tags=["views"])
REL_TYPES = frozenset(s.type for s in REL_SPECS)

ViewsPrincipal = Annotated[Principal, Depends(require("views"))]
NamePath = Annotated[str, Path(max_length=100, description="视图名 / view name (GET /views)")]


async def browser_principal(principal: PagePrincipal) -> Principal | None:
    """The pages' authentication (``api.deps.page_principal``) plus the views permission."""
    if principal is not None and not principal.role.can("views"):
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看视图 / role {principal.role.name} may not use the views"
        )
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
        return (
            f"角色“{principal.role.title}”无权查看此视图涉及的数据（{', '.join(sorted(missing))}） / role "
            f"{principal.role.name} lacks the scopes {sorted(missing)} this view touches"
        )
    return None


def _params(request: Request) -> dict[str, Any]:
    return {k: v for k, v in request.query_params.items() if k not in ("purpose",) and v != ""}


def _build_masked(
    name: str,
    request: Request,
    principal: Principal,
    purpose: str | None,
    driver: Any,
    database: str,
    audit: Any,
) -> GraphView:
    v = get_view(name)
    why = view_denial(v, principal)
    if why:
        raise Forbidden(why)
    raw = _params(request)
    given: tuple[str, str] | None = None
    if v.entity is not None:  # a view of one officer: leaders name him by the alias they were given
        key = node_spec(v.entity).key
        if raw.get(key):
            real = resolve_key(principal.role, v.entity, str(raw[key]))
            if real != raw[key]:
                given = (real, str(raw[key]))
            raw[key] = real
    with expensive(request, v.entity is None):
        view = v.build(driver, database, raw)
    if given is not None:  # the title and echoed parameters name the alias, never the key
        view.title = view.title.replace(*given)
        view.params = {k: (given[1] if val == given[0] else val) for k, val in view.params.items()}
    nodes = [n.model_dump() for n in view.nodes]
    edges = [e.entity() for e in view.edges]
    # Aggregate nodes stand for many entities and carry no personal data: kept as they are.
    aggregates = [n for n in nodes if n.get("aggregate")]
    d = disclose(principal, purpose, nodes=[n for n in nodes if not n.get("aggregate")], edges=edges)
    ids = {n["id"] for n in d.nodes} | set(d.alias)
    agg_ids = {n["id"] for n in aggregates}
    kept_edges = d.edges + [
        d.alias_edge(e)
        for e in edges
        if (e["from"] in agg_ids or e["to"] in agg_ids)
        and {e["from"], e["to"]} <= ids | agg_ids
        and principal.role.reads_rel(e["type"])
    ]
    # Edges the view drew itself (a suggestion such as "可就近联系", not a stored relationship) carry
    # no data: kept when both ends are.
    kept_edges += [
        d.alias_edge(e) for e in edges if e["type"] not in REL_TYPES and {e["from"], e["to"]} <= ids | agg_ids
    ]
    view.nodes = [ViewNode(**n) for n in d.nodes + aggregates]
    # The side list and the focus name nodes too: only those kept, by the id (alias) shown.
    shown = {n["id"] for n in d.nodes} - set(d.alias.values()) | set(d.alias) | agg_ids
    caption = {n["id"]: n.get("caption") or "" for n in d.nodes}
    view.ranked = [
        r.model_copy(update={"id": d.alias[r.id], "label": caption.get(d.alias[r.id], "")})
        if r.id in d.alias
        else r
        for r in view.ranked
        if r.id in shown
    ]
    if view.focus is not None:
        view.focus = [d.alias.get(i, i) for i in view.focus if i in shown]
    view.edges = [ViewEdge(**e) for e in kept_edges]
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids, params=raw)
    return view


_PURPOSE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>调阅事由 · 监督知识图谱</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:4em auto;color:#222}}
input[type=text]{{width:100%;padding:.5em;margin:.5em 0;box-sizing:border-box}}button{{padding:.5em 2em}}
.err{{color:#b00}}</style></head>
<body><h1>请说明调阅事由</h1><p>此视图含线索、案件或个人信息，查看前须写明调阅事由（2–200 字），事由记入调阅记录。</p>
{error}<form method="get" action="{action}">{hidden}<label for="purpose">调阅事由</label>
<input id="purpose" name="purpose" type="text" maxlength="200" required>
<button type="submit">查看</button></form><p><a href="/">返回首页</a></p>
<script>/* keep the page's #focus=… so the view opens on the node it was asked for */
document.forms[0].action += location.hash;</script></body></html>"""


def purpose_page(request: Request, error: str = "") -> HTMLResponse:
    """The form that asks a browser user for the purpose and reopens the same page with it."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in request.query_params.items()
        if k != "purpose"
    )
    body = _PURPOSE_PAGE.format(
        action=html.escape(request.url.path),
        hidden=hidden,
        error=f'<p class="err">{html.escape(error)}</p>' if error else "",
    )
    return HTMLResponse(body, status_code=400)


@router.get("/views", summary="视图列表 / graph views")
def list_views(principal: ViewsPrincipal) -> Any:
    return [
        {
            "name": v.name,
            "title": v.title,
            "description": v.description,
            "entity": v.entity,
            "params": v.param_list(),
            "html": f"/views/{v.name}.html",
            "allowed": view_denial(v, principal) is None,
        }
        for v in all_views()
    ]


@router.get(
    "/views/{name}.html",
    response_class=HTMLResponse,
    summary="视图网页 / a view as an interactive page (cookie from /login accepted)",
)
def view_html(
    name: NamePath,
    request: Request,
    principal: BrowserPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Response:
    if principal is None:
        return _to_login(request)
    try:
        purpose = clean_purpose(request.query_params.get("purpose"))
    except BadPurpose as e:
        return purpose_page(request, str(e))
    request.state.purpose = purpose
    try:
        view = _build_masked(name, request, principal, purpose, driver, settings.neo4j_database, audit)
    except PurposeRequired:
        return purpose_page(request)
    return HTMLResponse(render_html(view, api_base="", home_link="/", viewer=_viewer(principal)))


def _viewer(principal: Principal) -> str:
    return f"{principal.role.title} · {principal.name}"


def allowed_for(principal: Principal) -> set[str]:
    """The views the role may open and ``query:NAME`` for the queries whose scopes it has."""
    from queries.registry import all_queries

    out = {v.name for v in all_views() if view_denial(v, principal) is None}
    out |= {f"query:{q.name}" for q in all_queries() if not (set(q.scopes) - principal.role.scopes)}
    return out


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """The pages carry their icon inline; this answers browsers that ask anyway."""
    from urllib.parse import unquote

    svg = unquote(FAVICON.split(",", 1)[1])
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/views/{name}", summary="视图数据 / a view's nodes, edges and legend (JSON)")
def view_json(
    name: NamePath,
    request: Request,
    principal: ViewsPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    view = _build_masked(name, request, principal, purpose, driver, settings.neo4j_database, audit)
    data = view.model_dump()
    data["edges"] = [e.entity() for e in view.edges]
    return data


@router.get("/", response_class=HTMLResponse, summary="领导首页 / the leaders' home page")
def home(
    request: Request,
    principal: BrowserPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    as_of: Annotated[str | None, Query(max_length=20, description="截至日期 / as-of date")] = None,
) -> Response:
    if principal is None:
        return _to_login(request)
    try:
        # default: the data's own date (an old export is not judged against today)
        given = parse_cn_date(as_of.strip()) if as_of and as_of.strip() else None
        day = given or data_as_of(driver, settings.neo4j_database) or dt.date.today()
    except ValueError as e:
        raise QueryParamError(f"截至日期有误 / bad as_of: {e}") from e
    data = home_data(driver, settings.neo4j_database, day)
    return HTMLResponse(
        render_home(
            data, day, role_title=principal.role.title, allowed=allowed_for(principal), viewer=principal.name
        )
    )
