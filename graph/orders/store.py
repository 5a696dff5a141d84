"""Orders and consultations in Neo4j: issue, act, read. Every write is one managed transaction.

* An order is a ``SupervisionOrder`` node with ``ORDER_ISSUED_BY`` / ``ORDER_ASSIGNED_TO`` to
  units, ``ORDER_ABOUT`` to its targets and ``ORDER_HISTORY`` to its ``OrderEvent`` nodes.
* Events are append-only: created once under a uniqueness constraint on ``<order_no>#<seq>``
  (two concurrent actions on one order cannot both win), never updated or deleted; no command
  or route changes one.
* The state of an order at a date is the ``state_to`` of its last event on or before that date,
  so "overdue at as_of" is answered for any past date, not only for today.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import ConstraintError

from graph.constraints import q
from graph.errors import KgError, NotFound, QueryParamError
from graph.orders.machine import REASON_REQUIRED, next_state
from graph.schema import (
    ORDER_TARGET_LABELS,
    ConsultationKind,
    OrderAction,
    OrderInput,
    OrderState,
    node_spec,
    order_node_spec,
)

__all__ = [
    "Actor",
    "OrderConflict",
    "ConsultationInput",
    "create_order",
    "act",
    "get_order",
    "list_orders",
    "create_consultation",
    "get_consultation",
    "list_consultations",
    "parse_target",
    "order_exists",
    "ORDER_PREFIX",
    "CONSULTATION_PREFIX",
]

log = logging.getLogger(__name__)

ORDER_PREFIX = "DB"  # 督办: DB2026-0001
CONSULTATION_PREFIX = "HS"  # 会商: HS2026-0001
_ORDER_NO = re.compile(r"^[\w\-〔〕\[\]()（）.#/]{1,64}$")


class OrderConflict(KgError):
    """A write that collides with what is stored (an existing number, a concurrent action): HTTP 409."""


@dataclass(frozen=True)
class Actor:
    """Who does a step: a person's or system's name, and the role they act in."""

    name: str
    role: str
    token_id: str | None = None


@dataclass(frozen=True)
class ConsultationInput:
    held_on: dt.date
    kind: ConsultationKind
    subject: str
    bodies: tuple[str, ...]  # unit codes of the participating bodies
    about: tuple[str, ...] = ()  # entity ids: Unit:, Clue:, Case:, Officer:
    decisions: tuple[str, ...] = ()
    consultation_no: str | None = None
    orders: tuple[OrderInput, ...] = field(default=())


def _today() -> dt.date:
    return dt.date.today()


def _native(value: Any) -> Any:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


def _props(node: Any) -> dict[str, Any]:
    return {k: _native(v) for k, v in dict(node).items()}


# -- targets ------------------------------------------------------------------------------------


def parse_target(value: str) -> tuple[str, str]:
    """``"Unit:U01F01P02"`` → ``("Unit", "U01F01P02")``; ``Cluster:K3`` is resolved by the caller."""
    label, sep, key = value.strip().partition(":")
    if not sep or not key:
        raise QueryParamError(
            f"督办对象应为“类型:编号”（如 Unit:U0101）/ a target is 'Label:key', got {value!r}"
        )
    if label not in (*ORDER_TARGET_LABELS, "Cluster"):
        raise QueryParamError(
            f"督办对象类型 {label!r} 不可用，可用 / target type not allowed; allowed: "
            f"{', '.join((*ORDER_TARGET_LABELS, 'Cluster'))}"
        )
    return label, key


def _key_of(label: str) -> str:
    try:
        return node_spec(label).key
    except KeyError:
        return order_node_spec(label).key


def _missing_entities(tx: neo4j.ManagedTransaction, refs: Iterable[tuple[str, str]]) -> list[str]:
    missing = []
    by_label: dict[str, list[str]] = {}
    for label, key in refs:
        by_label.setdefault(label, []).append(key)
    for label, keys in by_label.items():
        key = _key_of(label)
        found = tx.run(
            f"UNWIND $keys AS k MATCH (n:{q(label)} {{{q(key)}: k}}) RETURN collect(k) AS found", keys=keys
        ).single()
        have = set(found["found"]) if found else set()
        missing += [f"{label}:{k}" for k in keys if k not in have]
    return missing


def _link_targets(
    tx: neo4j.ManagedTransaction,
    rel: str,
    from_label: str,
    from_key: str,
    from_value: str,
    refs: Iterable[tuple[str, str]],
) -> None:
    by_label: dict[str, list[str]] = {}
    for label, key in refs:
        by_label.setdefault(label, []).append(key)
    fkey = _key_of(from_label)
    for label, keys in by_label.items():
        tx.run(
            f"MATCH (o:{q(from_label)} {{{q(fkey)}: $value}}) UNWIND $keys AS k "
            f"MATCH (t:{q(label)} {{{q(_key_of(label))}: k}}) MERGE (o)-[:{q(rel)}]->(t)",
            value=from_value,
            keys=sorted(set(keys)),
        )


# -- numbers ------------------------------------------------------------------------------------


def _next_number(tx: neo4j.ManagedTransaction, prefix: str, year: int, label: str) -> str:
    key = _key_of(label)
    while True:
        rec = tx.run(
            "MERGE (c:OrderCounter {name: $name}) SET c.last = coalesce(c.last, 0) + 1 RETURN c.last AS n",
            name=f"{prefix}{year}",
        ).single()
        number = f"{prefix}{year}-{rec['n']:04d}" if rec else f"{prefix}{year}-0001"
        exists = tx.run(f"MATCH (o:{q(label)} {{{q(key)}: $no}}) RETURN count(o) AS c", no=number).single()
        if not exists or not exists["c"]:
            return number


# -- orders -------------------------------------------------------------------------------------


def _check_dates(issued_on: dt.date, deadline: dt.date, today: dt.date) -> None:
    if issued_on > today:
        raise QueryParamError(f"下发日期 {issued_on} 晚于今天 / the issue date lies in the future")
    if deadline < issued_on:
        raise QueryParamError(
            f"办理期限 {deadline} 早于下发日期 {issued_on} / the deadline is before the issue date"
        )


def _order_row(data: OrderInput, issued_on: dt.date) -> dict[str, Any]:
    return {
        "kind": data.kind.value,
        "title": data.title,
        "requirement": data.requirement,
        "issued_on": issued_on,
        "deadline": data.deadline,
        "priority": data.priority.value,
    }


def _create_in_tx(
    tx: neo4j.ManagedTransaction,
    data: OrderInput,
    issuer: str,
    actor: Actor,
    targets: list[tuple[str, str]],
    now: dt.datetime,
    today: dt.date,
    consultation_no: str | None = None,
) -> str:
    issued_on = data.issued_on or today
    _check_dates(issued_on, data.deadline, today)
    missing = _missing_entities(tx, [("Unit", issuer), ("Unit", data.assignee_code), *targets])
    if missing:
        raise NotFound(f"不存在 / not found: {', '.join(missing)}")
    if data.order_no:
        if not _ORDER_NO.match(data.order_no):
            raise QueryParamError(f"督办编号含不允许的字符 / bad order number {data.order_no!r}")
        order_no = data.order_no
        if tx.run("MATCH (o:SupervisionOrder {order_no: $no}) RETURN o", no=order_no).single():
            raise OrderConflict(
                f"督办编号 {order_no} 已存在，督办单一经下发不可覆盖 / order {order_no} already exists"
            )
    else:
        order_no = _next_number(tx, ORDER_PREFIX, issued_on.year, "SupervisionOrder")
    row = _order_row(data, issued_on)
    tx.run(
        "CREATE (o:SupervisionOrder {order_no: $no}) SET o += $row, o.state = $state, o.created_at = $now, "
        "o.updated_at = $now, o.event_count = 1 "
        "WITH o MATCH (i:Unit {code: $issuer}) MATCH (a:Unit {code: $assignee}) "
        "CREATE (o)-[:ORDER_ISSUED_BY]->(i), (o)-[:ORDER_ASSIGNED_TO]->(a) "
        "CREATE (o)-[:ORDER_HISTORY]->(:OrderEvent {event_id: $no + '#1', order_no: $no, seq: 1, action: $action, "
        "state_to: $state, on: $on, at: $now, actor: $actor, role: $role, token_id: $token, text: $text, "
        "attachment_names: [], attachment_hashes: []})",
        no=order_no,
        row=row,
        state=OrderState.ISSUED.value,
        now=now,
        issuer=issuer,
        assignee=data.assignee_code,
        action=OrderAction.ISSUE.value,
        on=issued_on,
        actor=actor.name,
        role=actor.role,
        token=actor.token_id,
        text=data.requirement,
    )
    _link_targets(tx, "ORDER_ABOUT", "SupervisionOrder", "order_no", order_no, targets)
    if consultation_no:
        tx.run(
            "MATCH (o:SupervisionOrder {order_no: $no}) MATCH (c:Consultation {consultation_no: $c}) "
            "MERGE (o)-[:DECIDED_IN]->(c)",
            no=order_no,
            c=consultation_no,
        )
    return order_no


def _issuer(data: OrderInput, default_issuer: str | None) -> str:
    issuer = data.issuer_code or default_issuer
    if not issuer:
        raise QueryParamError("缺少下发单位编码 / the issuing body (issuer_code) is missing")
    return issuer


def resolve_targets(
    driver: neo4j.Driver,
    database: str,
    targets: Iterable[str],
    *,
    as_of: dt.date | None = None,
) -> list[tuple[str, str]]:
    """Parse targets; ``Cluster:K3`` becomes a ``ClusterSnapshot`` of that risk cluster today (or ``as_of``)."""
    out: list[tuple[str, str]] = []
    for t in targets:
        label, key = parse_target(t)
        if label == "Cluster":
            from graph.orders.snapshot import snapshot_cluster

            out.append(("ClusterSnapshot", snapshot_cluster(driver, database, key, as_of or _today())))
        else:
            out.append((label, key))
    return out


def _translate(e: ConstraintError, what: str) -> OrderConflict:
    return OrderConflict(
        f"{what}：同时有另一项操作，请刷新后重试 / a concurrent change collided, retry: {e.message}"
    )


def create_order(
    driver: neo4j.Driver,
    database: str,
    data: OrderInput,
    actor: Actor,
    *,
    default_issuer: str | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> str:
    """Issue an order (state 已下发, first event 下发); returns its number."""
    issuer = _issuer(data, default_issuer)
    targets = resolve_targets(driver, database, data.targets, as_of=data.issued_on)
    now = now or dt.datetime.now(dt.UTC)
    today = today or _today()
    with driver.session(database=database) as s:
        try:
            return s.execute_write(_create_in_tx, data, issuer, actor, targets, now, today)
        except ConstraintError as e:
            raise _translate(e, "下发督办单") from e


def _act_in_tx(
    tx: neo4j.ManagedTransaction,
    order_no: str,
    action: OrderAction,
    actor: Actor,
    text: str | None,
    on: dt.date,
    attachments: list[tuple[str, str]],
    now: dt.datetime,
    check: Callable[[dict[str, Any]], None] | None,
) -> dict[str, Any]:
    # SET first: the write lock on the order is taken before its state is read.
    rec = tx.run(
        "MATCH (o:SupervisionOrder {order_no: $no}) SET o.updated_at = $now "
        "WITH o OPTIONAL MATCH (o)-[:ORDER_ISSUED_BY]->(i:Unit) OPTIONAL MATCH (o)-[:ORDER_ASSIGNED_TO]->(a:Unit) "
        "CALL (o) { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) RETURN max(e.on) AS last_on } "
        "RETURN o, i.code AS issuer_code, a.code AS assignee_code, last_on",
        no=order_no,
        now=now,
    ).single()
    if rec is None:
        raise NotFound(f"没有督办单 {order_no} / no order {order_no}")
    order = {**_props(rec["o"]), "issuer_code": rec["issuer_code"], "assignee_code": rec["assignee_code"]}
    if check is not None:
        check(order)
    state = OrderState(order["state"])
    to = next_state(order_no, state, action)
    last_on = rec["last_on"].to_native() if rec["last_on"] is not None else None
    if last_on is not None and on < last_on:
        raise QueryParamError(
            f"办理日期 {on} 早于上一环节（{last_on}）/ the date is before the previous step"
        )
    seq = int(order.get("event_count") or 0) + 1
    sets: dict[str, Any] = {"state": to.value, "event_count": seq}
    if action is OrderAction.FEEDBACK:
        sets["answered_on"] = on
    elif action is OrderAction.RETURN:
        sets["answered_on"] = None
    elif action in (OrderAction.CLOSE, OrderAction.CANCEL):
        sets["closed_on"] = on
    params: dict[str, Any] = {
        "no": order_no,
        "sets": sets,
        "seq": seq,
        "action": action.value,
        "from": state.value,
        "to": to.value,
        "on": on,
        "now": now,
        "actor": actor.name,
        "role": actor.role,
        "token": actor.token_id,
        "text": text,
        "names": [a for a, _ in attachments],
        "hashes": [h for _, h in attachments],
    }
    tx.run(
        "MATCH (o:SupervisionOrder {order_no: $no}) SET o += $sets "
        "CREATE (o)-[:ORDER_HISTORY]->(:OrderEvent {event_id: $no + '#' + toString($seq), order_no: $no, seq: $seq, "
        "action: $action, state_from: $from, state_to: $to, on: $on, at: $now, actor: $actor, role: $role, "
        "token_id: $token, text: $text, attachment_names: $names, attachment_hashes: $hashes})",
        params,
    )
    return {**order, **{k: _native(v) for k, v in sets.items()}}


def act(
    driver: neo4j.Driver,
    database: str,
    order_no: str,
    action: OrderAction | str,
    actor: Actor,
    *,
    text: str | None = None,
    on: dt.date | None = None,
    attachments: list[tuple[str, str]] | None = None,
    check: Callable[[dict[str, Any]], None] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """One step (sign, feedback, close, return, cancel). ``check(order)`` may refuse it (rights)
    inside the transaction, after the order is locked. Raises ``IllegalTransition`` (409) when
    the state machine forbids it."""
    try:
        action = OrderAction(action)
    except ValueError:
        raise QueryParamError(
            f"未知的办理环节 / unknown action {action!r}; 可用 / known: sign, feedback, close, return, cancel"
        ) from None
    if action is OrderAction.ISSUE:
        raise QueryParamError("“下发”只能通过新建督办单完成 / 'issue' happens only by creating an order")
    text = (text or "").strip() or None
    if action in REASON_REQUIRED and not text:
        raise QueryParamError(
            f"“{action.value}”须填写内容或理由 / {action.name.lower()} needs a text (feedback or reason)"
        )
    today = today or _today()
    on = on or today
    if on > today:
        raise QueryParamError(f"办理日期 {on} 晚于今天 / the date lies in the future")
    for name, digest in attachments or []:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise QueryParamError(f"附件 {name} 的 SHA-256 应为 64 位十六进制 / bad SHA-256 for {name}")
    now = dt.datetime.now(dt.UTC)
    with driver.session(database=database) as s:
        try:
            return s.execute_write(
                _act_in_tx, order_no, action, actor, text, on, list(attachments or []), now, check
            )
        except ConstraintError as e:
            raise _translate(e, f"督办单 {order_no}") from e


_READ = """
MATCH (o:SupervisionOrder)
WHERE ($no IS NULL OR o.order_no = $no) AND ($state IS NULL OR o.state = $state) AND ($kind IS NULL OR o.kind = $kind)
OPTIONAL MATCH (o)-[:ORDER_ISSUED_BY]->(i:Unit)
OPTIONAL MATCH (o)-[:ORDER_ASSIGNED_TO]->(a:Unit)
WITH o, i, a
WHERE ($assigned IS NULL OR a.code IN $assigned) AND ($issuer IS NULL OR i.code IN $issuer)
  AND ($any_unit IS NULL OR a.code IN $any_unit OR i.code IN $any_unit)
WITH o, i, a, COLLECT { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) WHERE e.on <= $as_of
                        RETURN e.state_to ORDER BY e.seq DESC LIMIT 1 }[0] AS state_at
WITH o, i, a, state_at, coalesce(state_at IN $open_states AND o.deadline < $as_of, false) AS overdue
WHERE ($overdue IS NULL OR overdue = $overdue) AND ($state_at_filter IS NULL OR state_at IN $state_at_filter)
RETURN o, i.code AS issuer_code, i.name AS issuer_name, a.code AS assignee_code, a.name AS assignee_name,
       state_at, overdue,
       CASE WHEN overdue THEN duration.inDays(o.deadline, $as_of).days ELSE 0 END AS days_overdue,
       COLLECT { MATCH (o)-[:ORDER_ABOUT]->(t) RETURN [l IN labels(t) WHERE l IN $target_labels][0] + ':' +
                 coalesce(t.code, t.badge_no, t.clue_no, t.case_no, t.snapshot_id) } AS targets,
       COLLECT { MATCH (o)-[:DECIDED_IN]->(c:Consultation) RETURN c.consultation_no } AS consultations
ORDER BY o.issued_on DESC, o.order_no DESC
LIMIT $limit
"""


def _order_out(rec: neo4j.Record) -> dict[str, Any]:
    out = _props(rec["o"])
    out.pop("created_at", None)
    out.update(
        {
            "issuer_code": rec["issuer_code"],
            "issuer_name": rec["issuer_name"],
            "assignee_code": rec["assignee_code"],
            "assignee_name": rec["assignee_name"],
            "state_at": rec["state_at"],
            "overdue": bool(rec["overdue"]),
            "days_overdue": rec["days_overdue"],
            "targets": sorted(rec["targets"]),
            "consultations": list(rec["consultations"]),
        }
    )
    return out


def list_orders(
    driver: neo4j.Driver,
    database: str,
    *,
    as_of: dt.date | None = None,
    state: str | None = None,
    kind: str | None = None,
    assigned: list[str] | None = None,
    issuer: list[str] | None = None,
    any_unit: list[str] | None = None,
    overdue: bool | None = None,
    states_at: list[str] | None = None,
    order_no: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Orders with their state at ``as_of`` (default today) and whether they are overdue then.

    ``assigned``/``issuer`` keep orders assigned to / issued by one of those units; ``any_unit``
    keeps orders either assigned to or issued by one of them (a role's own orders).
    """
    from graph.orders.machine import OPEN_STATES

    records, _, _ = driver.execute_query(
        _READ,
        no=order_no,
        state=state,
        kind=kind,
        assigned=assigned,
        issuer=issuer,
        any_unit=any_unit,
        as_of=as_of or _today(),
        open_states=[s.value for s in OPEN_STATES],
        overdue=overdue,
        state_at_filter=states_at,
        target_labels=list(ORDER_TARGET_LABELS),
        limit=limit,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return [_order_out(r) for r in records]


def order_exists(driver: neo4j.Driver, database: str, order_no: str) -> bool:
    records, _, _ = driver.execute_query(
        "MATCH (o:SupervisionOrder {order_no: $no}) RETURN count(o) AS c",
        no=order_no,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return bool(records[0]["c"])


def get_order(
    driver: neo4j.Driver, database: str, order_no: str, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One order with its history (events oldest first) and its targets as entities."""
    rows = list_orders(driver, database, as_of=as_of, order_no=order_no, limit=1)
    if not rows:
        raise NotFound(f"没有督办单 {order_no} / no order {order_no}")
    order = rows[0]
    records, _, _ = driver.execute_query(
        "MATCH (:SupervisionOrder {order_no: $no})-[:ORDER_HISTORY]->(e:OrderEvent) RETURN e ORDER BY e.seq",
        no=order_no,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    events = []
    for r in records:
        e = _props(r["e"])
        e.pop("token_id", None)
        events.append(e)
    order["events"] = events
    return order


# -- consultations ------------------------------------------------------------------------------


def _consultation_tx(
    tx: neo4j.ManagedTransaction,
    data: ConsultationInput,
    about: list[tuple[str, str]],
    order_targets: list[list[tuple[str, str]]],
    actor: Actor,
    default_issuer: str | None,
    now: dt.datetime,
    today: dt.date,
) -> tuple[str, list[str]]:
    if data.held_on > today:
        raise QueryParamError(f"会商日期 {data.held_on} 晚于今天 / the meeting date lies in the future")
    missing = _missing_entities(tx, [*(("Unit", b) for b in data.bodies), *about])
    if missing:
        raise NotFound(f"不存在 / not found: {', '.join(missing)}")
    if data.consultation_no:
        number = data.consultation_no
        if tx.run("MATCH (c:Consultation {consultation_no: $no}) RETURN c", no=number).single():
            raise OrderConflict(f"会商编号 {number} 已存在 / consultation {number} already exists")
    else:
        number = _next_number(tx, CONSULTATION_PREFIX, data.held_on.year, "Consultation")
    tx.run(
        "CREATE (c:Consultation {consultation_no: $no, held_on: $on, kind: $kind, subject: $subject, "
        "decisions: $decisions, created_at: $now, recorded_by: $actor, role: $role})",
        no=number,
        on=data.held_on,
        kind=data.kind.value,
        subject=data.subject,
        decisions=list(data.decisions),
        now=now,
        actor=actor.name,
        role=actor.role,
    )
    _link_targets(
        tx, "CONSULTATION_BODY", "Consultation", "consultation_no", number, [("Unit", b) for b in data.bodies]
    )
    _link_targets(tx, "CONSULTATION_ABOUT", "Consultation", "consultation_no", number, about)
    orders = []
    for o, targets in zip(data.orders, order_targets, strict=True):
        o = o.model_copy(update={"issued_on": o.issued_on or data.held_on})
        orders.append(_create_in_tx(tx, o, _issuer(o, default_issuer), actor, targets, now, today, number))
    return number, orders


def create_consultation(
    driver: neo4j.Driver,
    database: str,
    data: ConsultationInput,
    actor: Actor,
    *,
    default_issuer: str | None = None,
    today: dt.date | None = None,
) -> tuple[str, list[str]]:
    """Record a consultation and issue the orders its decisions call for, all in one transaction
    (either everything is written or nothing). Returns the consultation number and the order numbers."""
    if not data.bodies:
        raise QueryParamError(
            "会商至少要有一个参加单位 / a consultation needs at least one participating body"
        )
    about = [parse_target(t) for t in data.about]
    for label, _ in about:
        if label not in ("Unit", "Clue", "Case", "Officer"):
            raise QueryParamError(
                f"会商对象只能是单位、线索、案件或民警 / a consultation is about units, clues, "
                f"cases or officers, not {label}"
            )
    order_targets = [
        resolve_targets(driver, database, o.targets, as_of=o.issued_on or data.held_on) for o in data.orders
    ]
    with driver.session(database=database) as s:
        try:
            return s.execute_write(
                _consultation_tx,
                data,
                about,
                order_targets,
                actor,
                default_issuer,
                dt.datetime.now(dt.UTC),
                today or _today(),
            )
        except ConstraintError as e:
            raise _translate(e, "会商") from e


_CONSULTATIONS = """
MATCH (c:Consultation)
WHERE $no IS NULL OR c.consultation_no = $no
RETURN c,
       COLLECT { MATCH (c)-[:CONSULTATION_BODY]->(u:Unit) RETURN u.code ORDER BY u.code } AS bodies,
       COLLECT { MATCH (c)-[:CONSULTATION_ABOUT]->(t) RETURN [l IN labels(t) WHERE l IN $labels][0] + ':' +
                 coalesce(t.code, t.badge_no, t.clue_no, t.case_no) } AS about,
       COLLECT { MATCH (o:SupervisionOrder)-[:DECIDED_IN]->(c) RETURN o.order_no ORDER BY o.order_no } AS orders
ORDER BY c.held_on DESC, c.consultation_no DESC
LIMIT $limit
"""


def list_consultations(
    driver: neo4j.Driver, database: str, *, consultation_no: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        _CONSULTATIONS,
        no=consultation_no,
        labels=list(ORDER_TARGET_LABELS),
        limit=limit,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    out = []
    for r in records:
        c = _props(r["c"])
        c.pop("created_at", None)
        c.update({"bodies": list(r["bodies"]), "about": sorted(r["about"]), "orders": list(r["orders"])})
        out.append(c)
    return out


def get_consultation(driver: neo4j.Driver, database: str, consultation_no: str) -> dict[str, Any]:
    rows = list_consultations(driver, database, consultation_no=consultation_no, limit=1)
    if not rows:
        raise NotFound(f"没有会商记录 {consultation_no} / no consultation {consultation_no}")
    return rows[0]
