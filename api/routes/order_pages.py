"""Pages of the supervision orders: ``/orders/new?target=…`` (the "下发督办" form), ``/orders/{no}.html``
(an order's network, details and history) and ``/static/orders_panel.js`` (the home page's to-do panel).

Like the views, the pages take the Bearer token or the ``kg_session`` cookie and send a browser
without either to /login.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

import neo4j
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import AuditDep, DriverDep, PagePrincipal, SettingsDep
from api.errors import JSON_ERRORS, Forbidden
from api.order_rights import bodies_of, can_read, may_act, rights_of
from api.security import Principal, mask_name
from graph.constraints import q
from graph.orders.machine import allowed_actions
from graph.orders.store import get_order, parse_target
from graph.schema import ORDER_TARGET_LABELS, OrderKind, OrderState, node_spec, order_node_spec
from graph.shape import entity_id
from viz.orders import panel_script, render_order_form, render_order_page

router = APIRouter(tags=["orders"], responses=JSON_ERRORS)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


# What a target suggests as the assigned body: the unit itself, an officer's current unit, the unit a
# clue concerns (or its officer's unit), a case's officer's unit, a rectification's owner.
_ASSIGNEE = {
    "Unit": "RETURN n.code AS code, n.name AS name",
    "Officer": (
        "OPTIONAL MATCH (n)-[s:SERVES_IN]->(u:Unit) WHERE s.end_date IS NULL OR s.end_date >= date() "
        "RETURN u.code AS code, u.name AS name ORDER BY s.start_date DESC LIMIT 1"
    ),
    "Clue": (
        "OPTIONAL MATCH (n)-[:CONCERNS_UNIT]->(u1:Unit) "
        "OPTIONAL MATCH (n)-[:CONCERNS]->(:Officer)-[s:SERVES_IN]->(u2:Unit) WHERE s.end_date IS NULL "
        "WITH coalesce(u1, u2) AS u RETURN u.code AS code, u.name AS name LIMIT 1"
    ),
    "Case": (
        "OPTIONAL MATCH (n)-[:INVOLVES]->(:Officer)-[s:SERVES_IN]->(u:Unit) WHERE s.end_date IS NULL "
        "RETURN u.code AS code, u.name AS name, count(*) AS c ORDER BY c DESC LIMIT 1"
    ),
    "Rectification": "OPTIONAL MATCH (n)-[:ISSUED_TO]->(u:Unit) RETURN u.code AS code, u.name AS name LIMIT 1",
}


def _spec(label: str) -> Any:
    try:
        return node_spec(label)
    except KeyError:
        return order_node_spec(label)


def describe_target(driver: neo4j.Driver, database: str, principal: Principal, target: str) -> dict[str, Any]:
    """The target's caption and a suggested assigned body; masked as the role sees names."""
    label, key = parse_target(target)
    if label == "Cluster":
        return {"id": target, "title": "风险群组", "caption": f"风险群组 {key}", "assignee_code": None}
    spec = _spec(label)
    tail = _ASSIGNEE.get(label, "RETURN null AS code, null AS name")
    records, _, _ = driver.execute_query(
        f"MATCH (n:{q(label)} {{{q(spec.key)}: $key}}) WITH n, n.{q(spec.name_field)} AS caption "
        f"CALL (n) {{ {tail} }} RETURN caption, code, name LIMIT 1",
        key=key,
        database_=database,
        routing_="r",
    )
    if not records:
        return {"id": target, "title": spec.title, "caption": key, "missing": True}
    r = records[0]
    caption = r["caption"] or key
    if (
        label == "Officer"
        and spec.scope in principal.role.mask_names
        or not principal.role.reads_label(label)
        and label in ORDER_TARGET_LABELS
        and label != "Unit"
    ):
        caption = mask_name(caption) if label == "Officer" else key
    return {
        "id": f"{label}:{key}",
        "label": label,
        "title": spec.title,
        "caption": caption,
        "assignee_code": r["code"],
        "assignee_name": r["name"],
    }


@router.get(
    "/static/orders_panel.js",
    summary="首页“我的待办”组件 / the home page's to-do panel script",
    response_class=Response,
)
def orders_panel() -> Response:
    return Response(
        panel_script(), media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@router.get("/orders/new", response_class=HTMLResponse, summary="下发督办表单 / the form to issue an order")
def new_order_page(
    request: Request,
    principal: PagePrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    target: Annotated[str | None, Query(max_length=200, description="督办对象 / entity id")] = None,
) -> Response:
    if principal is None:
        return _to_login(request)
    rights = rights_of(principal.role)
    kinds: list[str] = [k.value for k in OrderKind if k.value in rights.issue]
    if not kinds:
        raise Forbidden(
            f"角色“{principal.role.title}”无权下发督办 / role {principal.role.name} may not issue orders"
        )
    db = settings.neo4j_database
    codes = sorted(bodies_of(driver, db, principal))
    records, _, _ = driver.execute_query(
        "UNWIND $codes AS c MATCH (u:Unit {code: c}) RETURN u.code AS code, u.name AS name",
        codes=codes,
        database_=db,
        routing_="r",
    )
    bodies = [{"code": r["code"], "name": r["name"]} for r in records]
    info, error = None, None
    if target:
        try:
            info = describe_target(driver, db, principal, target)
            if info.get("missing"):
                error = f"督办对象 {target} 不存在 / no such entity"
        except Exception as e:  # noqa: BLE001 - a bad target is shown on the form, not a 500
            error = str(e)
    return HTMLResponse(
        render_order_form(
            target=info,
            kinds=kinds,
            bodies=bodies,
            role_title=principal.role.title,
            today=dt.date.today(),
            error=error,
        )
    )


@router.get("/orders/{no}.html", response_class=HTMLResponse, summary="督办单页面 / an order's page")
def order_page(
    no: Annotated[str, Path(max_length=64)],
    request: Request,
    principal: PagePrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Response:
    if principal is None:
        return _to_login(request)
    db = settings.neo4j_database
    rights = rights_of(principal.role)
    bodies = bodies_of(driver, db, principal)
    order = get_order(driver, db, no)
    if not can_read(order, rights, bodies):
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看此督办单 / role {principal.role.name} may not read this order"
        )
    order["allowed_actions"] = [
        a.name.lower()
        for a in allowed_actions(OrderState(order["state"]))
        if may_act(principal, bodies, a, order)
    ]
    captions: dict[str, str] = {}
    for eid in [
        *order["targets"],
        entity_id("Unit", order["issuer_code"]),
        entity_id("Unit", order["assignee_code"]),
    ]:
        try:
            captions[eid] = describe_target(driver, db, principal, eid)["caption"]
        except Exception:  # noqa: BLE001 - a caption is cosmetic
            captions[eid] = eid.split(":", 1)[1]
    audit.record(principal, request, entity_ids=[f"SupervisionOrder:{no}"])
    return HTMLResponse(render_order_page(order, captions, role_title=principal.role.title))
