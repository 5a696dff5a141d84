"""Supervision orders (督办单) and consultations (会商): ``/orders``, ``/orders/todo``, ``/consultations``.

Rights per role come from ``[roles.<name>.orders]`` in api/roles.toml (api/order_rights.py); every
creation and every state change is written to the access log. No route edits or deletes an
order's history: there is no PUT, PATCH or DELETE here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Any, Literal

import neo4j
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AuditDep, CurrentPrincipal, DriverDep, SettingsDep, reject_unknown_query
from api.errors import ERROR_RESPONSES, NOT_FOUND, ErrorBody, Forbidden, error_response
from api.order_rights import bodies_of, can_read, check_action, check_issue, list_filter, may_act, rights_of
from api.security import Principal
from graph.orders.machine import IllegalTransition
from graph.orders.store import (
    Actor,
    ConsultationInput,
    OrderConflict,
    act,
    create_consultation,
    create_order,
    get_consultation,
    get_order,
    list_consultations,
    list_orders,
    parse_target,
)
from graph.schema import ConsultationKind, OrderAction, OrderInput, OrderKind, OrderPriority, OrderState

router = APIRouter(
    tags=["orders"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody, "description": "状态不允许 / conflict"}},
)

NoPath = Annotated[str, Path(max_length=64, description="督办编号 / order number")]
AsOfQuery = Annotated[dt.date | None, Query(description="截至日期 / as-of date (default today)")]


class OrderCreate(BaseModel):
    """A new order. ``targets``: entity ids (``Unit:U0101``, ``Officer:010203``, ``Clue:…``, ``Case:…``,
    ``Rectification:…``, ``ClusterSnapshot:…``, or ``Cluster:K3`` for a risk cluster of the issue date)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: OrderKind
    title: str = Field(min_length=1, max_length=200)
    requirement: str | None = Field(None, max_length=4000)
    assignee_code: str = Field(min_length=1, max_length=64, description="承办单位编码 / the assigned unit")
    issuer_code: str | None = Field(None, max_length=64, description="下发单位编码；默认为本角色的监督机构")
    targets: list[str] = Field(default_factory=list, max_length=200)
    deadline: dt.date
    issued_on: dt.date | None = None
    priority: OrderPriority = OrderPriority.NORMAL
    order_no: str | None = Field(None, max_length=64, description="自带文号；默认自动编号 DB<年>-<序号>")

    def to_input(self) -> OrderInput:
        return OrderInput.model_validate(self.model_dump())


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["sign", "feedback", "close", "return", "cancel", "签收", "反馈", "办结", "退回", "撤销"]
    text: str | None = Field(None, max_length=4000, description="反馈内容或理由 / feedback or reason")
    on: dt.date | None = Field(None, description="办理日期，默认今天 / business date, default today")
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)


class ConsultationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    held_on: dt.date
    kind: ConsultationKind
    subject: str = Field(min_length=1, max_length=200)
    bodies: list[str] = Field(min_length=1, max_length=50, description="参加单位编码 / participating bodies")
    about: list[str] = Field(default_factory=list, max_length=200, description="会商的线索、案件、单位、民警")
    decisions: list[str] = Field(default_factory=list, max_length=50)
    orders: list[OrderCreate] = Field(
        default_factory=list, max_length=50, description="决定下发的督办单（与会商记录同一事务写入）"
    )
    consultation_no: str | None = Field(None, max_length=64)


def _actor(principal: Principal) -> Actor:
    return Actor(
        name=principal.name or principal.token_id, role=principal.role.title, token_id=principal.token_id
    )


def _readable_or_403(principal: Principal, driver: neo4j.Driver, database: str) -> tuple[Any, frozenset[str]]:
    rights = rights_of(principal.role)
    if rights.read == "none":
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看督办单 / role {principal.role.name} may not read orders"
        )
    return rights, bodies_of(driver, database, principal)


def _target_sources(driver: neo4j.Driver, database: str, targets: list[tuple[str, str]]) -> list[str | None]:
    clues = [k for label, k in targets if label == "Clue"]
    if not clues:
        return []
    records, _, _ = driver.execute_query(
        "UNWIND $keys AS k OPTIONAL MATCH (c:Clue {clue_no: k}) RETURN c.source AS s",
        keys=clues,
        database_=database,
        routing_="r",
    )
    return [r["s"] for r in records]


def _prepare_issue(
    principal: Principal, driver: neo4j.Driver, database: str, body: OrderCreate, bodies: frozenset[str]
) -> OrderInput:
    parsed = [parse_target(t) for t in body.targets]
    labels = ["ClusterSnapshot" if label == "Cluster" else label for label, _ in parsed]
    issuer = check_issue(
        principal,
        bodies,
        body.kind.value,
        body.issuer_code,
        labels,
        _target_sources(driver, database, parsed),
    )
    return body.to_input().model_copy(update={"issuer_code": issuer})


@router.post("/orders", status_code=201, summary="下发督办单 / issue an order", responses=NOT_FOUND)
def create(
    body: OrderCreate,
    request: Request,
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    db = settings.neo4j_database
    bodies = bodies_of(driver, db, principal)
    data = _prepare_issue(principal, driver, db, body, bodies)
    no = create_order(driver, db, data, _actor(principal))
    audit.record(
        principal,
        request,
        entity_ids=[f"SupervisionOrder:{no}"],
        status=201,
        params={"action": "下发", "kind": body.kind.value, "assignee": body.assignee_code},
    )
    return get_order(driver, db, no)


@router.get("/orders", summary="督办单列表 / orders (filtered by state, assigned body, overdue)")
def list_(
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    state: Annotated[OrderState | None, Query(description="办理状态（当前）/ current state")] = None,
    assigned: Annotated[str | None, Query(max_length=64, description="承办单位编码 / assigned unit")] = None,
    issuer: Annotated[str | None, Query(max_length=64, description="下发单位编码 / issuing body")] = None,
    kind: Annotated[OrderKind | None, Query(description="督办类型 / kind")] = None,
    overdue: Annotated[bool | None, Query(description="只看（或排除）截至 as_of 逾期未反馈的")] = None,
    as_of: AsOfQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    db = settings.neo4j_database
    rights, bodies = _readable_or_403(principal, driver, db)
    day = as_of or dt.date.today()
    # The role's filter, narrowed (never widened) by the request's.
    scope = list_filter(rights, bodies)
    wanted = [assigned] if assigned else None
    if "assigned" in scope:
        wanted = [a for a in scope.pop("assigned") if wanted is None or a in wanted]
    rows = list_orders(
        driver,
        db,
        as_of=day,
        state=state.value if state else None,
        kind=kind.value if kind else None,
        assigned=wanted,
        issuer=[issuer] if issuer else None,
        overdue=overdue,
        limit=limit,
        **scope,
    )
    return {"as_of": day.isoformat(), "items": rows, "count": len(rows)}


def todo_for(principal: Principal, driver: neo4j.Driver, database: str, as_of: dt.date) -> dict[str, Any]:
    """The principal's to-do: orders to sign, to answer, to close, and overdue orders by assigned body."""
    rights, bodies = _readable_or_403(principal, driver, database)
    rows = list_orders(driver, database, as_of=as_of, limit=5000, **list_filter(rights, bodies))
    open_rows = [r for r in rows if r["state"] not in (OrderState.CLOSED.value, OrderState.CANCELLED.value)]
    to_sign = [
        r
        for r in open_rows
        if r["state"] == OrderState.ISSUED.value and may_act(principal, bodies, OrderAction.SIGN, r)
    ]
    to_answer = [
        r
        for r in open_rows
        if r["state"] in (OrderState.ISSUED.value, OrderState.SIGNED.value)
        and may_act(principal, bodies, OrderAction.FEEDBACK, r)
    ]
    to_close = [
        r
        for r in open_rows
        if r["state"] == OrderState.ANSWERED.value and may_act(principal, bodies, OrderAction.CLOSE, r)
    ]
    overdue = sorted((r for r in rows if r["overdue"]), key=lambda r: (-r["days_overdue"], r["order_no"]))
    by_body = Counter((r["assignee_code"], r["assignee_name"]) for r in overdue)
    keep = (
        "order_no",
        "kind",
        "title",
        "state",
        "deadline",
        "assignee_code",
        "assignee_name",
        "issuer_name",
        "overdue",
        "days_overdue",
        "priority",
    )

    def short(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: r.get(k) for k in keep} for r in items]

    return {
        "as_of": as_of.isoformat(),
        "role": principal.role.title,
        "to_sign": short(to_sign),
        "to_answer": short(to_answer),
        "to_close": short(to_close),
        "overdue": short(overdue),
        "overdue_by_body": [
            {"assignee_code": c, "assignee_name": n, "overdue": k}
            for (c, n), k in sorted(by_body.items(), key=lambda x: (-x[1], x[0][0] or ""))
        ],
    }


@router.get("/orders/todo", summary="我的待办 / the logged-in role's to-do and overdue orders by body")
def todo(
    principal: CurrentPrincipal, driver: DriverDep, settings: SettingsDep, as_of: AsOfQuery = None
) -> Any:
    return todo_for(principal, driver, settings.neo4j_database, as_of or dt.date.today())


@router.get("/orders/{no}", summary="督办单及其办理记录 / one order and its history", responses=NOT_FOUND)
def show(
    no: NoPath,
    request: Request,
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    as_of: AsOfQuery = None,
) -> Any:
    db = settings.neo4j_database
    rights, bodies = _readable_or_403(principal, driver, db)
    order = get_order(driver, db, no, as_of=as_of)
    if not can_read(order, rights, bodies):
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看此督办单 / role {principal.role.name} may not read this order"
        )
    order["allowed_actions"] = _allowed_for(principal, bodies, order)
    audit.record(principal, request, entity_ids=[f"SupervisionOrder:{no}"])
    return order


def _allowed_for(principal: Principal, bodies: frozenset[str], order: dict[str, Any]) -> list[str]:
    from graph.orders.machine import allowed_actions

    return [
        a.name.lower()
        for a in allowed_actions(OrderState(order["state"]))
        if may_act(principal, bodies, a, order)
    ]


@router.post(
    "/orders/{no}/events", summary="签收、反馈、办结、退回、撤销 / one step of an order", responses=NOT_FOUND
)
def add_event(
    no: NoPath,
    body: EventCreate,
    request: Request,
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    db = settings.neo4j_database
    bodies = bodies_of(driver, db, principal)
    action = OrderAction(body.action)

    def check(order: dict[str, Any]) -> None:
        check_action(principal, bodies, action, order)

    try:
        act(
            driver,
            db,
            no,
            action,
            _actor(principal),
            text=body.text,
            on=body.on,
            attachments=[(a.name, a.sha256) for a in body.attachments],
            check=check,
        )
    except (IllegalTransition, OrderConflict) as e:
        audit.record(
            principal,
            request,
            entity_ids=[f"SupervisionOrder:{no}"],
            outcome="conflict",
            status=409,
            params={"action": action.value},
        )
        raise e
    audit.record(principal, request, entity_ids=[f"SupervisionOrder:{no}"], params={"action": action.value})
    order = get_order(driver, db, no)
    order["allowed_actions"] = _allowed_for(principal, bodies, order)
    return order


# -- consultations -------------------------------------------------------------------------------


@router.post(
    "/consultations",
    status_code=201,
    summary="记录会商并下发其决定的督办单 / record a consultation",
    responses=NOT_FOUND,
)
def create_consultation_route(
    body: ConsultationCreate,
    request: Request,
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    db = settings.neo4j_database
    rights = rights_of(principal.role)
    if not rights.issue:
        raise Forbidden(
            f"角色“{principal.role.title}”无权记录会商 / role {principal.role.name} may not record consultations"
        )
    bodies = bodies_of(driver, db, principal)
    orders = tuple(_prepare_issue(principal, driver, db, o, bodies) for o in body.orders)
    data = ConsultationInput(
        held_on=body.held_on,
        kind=body.kind,
        subject=body.subject,
        bodies=tuple(body.bodies),
        about=tuple(body.about),
        decisions=tuple(body.decisions),
        consultation_no=body.consultation_no,
        orders=orders,
    )
    number, order_nos = create_consultation(driver, db, data, _actor(principal))
    audit.record(
        principal,
        request,
        entity_ids=[f"Consultation:{number}", *(f"SupervisionOrder:{n}" for n in order_nos)],
        status=201,
        params={"action": "会商", "orders": order_nos},
    )
    return get_consultation(driver, db, number)


@router.get("/consultations", summary="会商记录 / consultations")
def consultations(
    principal: CurrentPrincipal,
    driver: DriverDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    _readable_or_403(principal, driver, settings.neo4j_database)
    if rights_of(principal.role).read != "all" and not rights_of(principal.role).issue:
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看会商 / role {principal.role.name} may not read consultations"
        )
    items = list_consultations(driver, settings.neo4j_database, limit=limit)
    return {"items": items, "count": len(items)}


@router.get("/consultations/{no}", summary="一次会商 / one consultation", responses=NOT_FOUND)
def consultation(no: NoPath, principal: CurrentPrincipal, driver: DriverDep, settings: SettingsDep) -> Any:
    _readable_or_403(principal, driver, settings.neo4j_database)
    if rights_of(principal.role).read != "all" and not rights_of(principal.role).issue:
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看会商 / role {principal.role.name} may not read consultations"
        )
    return get_consultation(driver, settings.neo4j_database, no)


def _conflict(request: Request, exc: Exception) -> JSONResponse:
    detail: dict[str, Any] = {}
    if isinstance(exc, IllegalTransition):
        detail = {
            "order_no": exc.order_no,
            "state": exc.state.value,
            "allowed": [
                {"action": a.name.lower(), "title": a.value, "to": s.value} for a, s in exc.allowed.items()
            ],
        }
    return error_response(409, "conflict", str(exc), detail)


def install(app: FastAPI) -> None:
    """Add the order routes and pages, and the 409 answer for illegal transitions, to ``app``."""
    from api.routes import order_pages

    app.add_exception_handler(IllegalTransition, _conflict)
    app.add_exception_handler(OrderConflict, _conflict)
    app.include_router(order_pages.router)
    app.include_router(router, dependencies=[Depends(reject_unknown_query)])


__all__ = ["router", "install", "todo_for", "OrderCreate", "EventCreate", "ConsultationCreate"]
