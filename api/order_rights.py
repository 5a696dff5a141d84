"""Who may do what with supervision orders: the ``[roles.<name>.orders]`` tables of api/roles.toml.

A principal acts for its *bodies*: the supervision bodies whose 监督职能 its role lists, plus the
unit its token is bound to (``kg token create --unit``). Reading, issuing, signing, answering,
closing, returning and cancelling are decided here; the state machine (graph.orders.machine)
decides separately whether the step is legal in the order's state.
"""

from __future__ import annotations

import threading
import time
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import neo4j

from api.errors import Forbidden
from api.security import ROLES_FILE, Principal, Role
from graph.errors import KgError
from graph.schema import OrderAction, OrderKind, SupervisionFunction

__all__ = ["OrderRights", "rights_of", "bodies_of", "can_read", "check_issue", "check_action", "may_act"]

_READ = ("all", "own", "assigned", "none")
_MANAGE = ("all", "own", "none")


@dataclass(frozen=True)
class OrderRights:
    read: str = "none"
    issue: frozenset[str] = frozenset()
    targets: str = "scope"
    manage: str = "none"
    respond: bool = False
    bodies: tuple[str, ...] = ()
    issue_as: str = "own"


def _parse(name: str, raw: dict[str, Any]) -> OrderRights:
    def pick(key: str, allowed: tuple[str, ...], default: str) -> str:
        value = str(raw.get(key, default))
        if value not in allowed:
            raise KgError(
                f"roles.toml: {name}.orders.{key} = {value!r}，可用 / allowed: {', '.join(allowed)}"
            )
        return value

    kinds = {k.value for k in OrderKind}
    issue = set(raw.get("issue", []))
    functions = {f.value for f in SupervisionFunction}
    bodies = tuple(raw.get("bodies", []))
    if issue - kinds or set(bodies) - functions:
        raise KgError(
            f"roles.toml: {name}.orders 含未知的督办类型或监督职能 / unknown kinds or functions: "
            f"{sorted((issue - kinds) | (set(bodies) - functions))}"
        )
    return OrderRights(
        read=pick("read", _READ, "none"),
        issue=frozenset(issue),
        targets=pick("targets", ("any", "scope"), "scope"),
        manage=pick("manage", _MANAGE, "none"),
        respond=bool(raw.get("respond", False)),
        bodies=bodies,
        issue_as=pick("issue_as", ("any", "own"), "own"),
    )


@lru_cache(maxsize=4)
def _load(path: Path = ROLES_FILE) -> dict[str, OrderRights]:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return {name: _parse(name, raw.get("orders", {})) for name, raw in data.get("roles", {}).items()}


def rights_of(role: Role) -> OrderRights:
    return _load().get(role.name, OrderRights())


_BODIES: dict[str, tuple[float, frozenset[str]]] = {}
_LOCK = threading.Lock()
BODIES_TTL = 30.0


def bodies_of(driver: neo4j.Driver, database: str, principal: Principal) -> frozenset[str]:
    """Unit codes the principal acts for (cached for ``BODIES_TTL`` seconds per token)."""
    now = time.monotonic()
    with _LOCK:
        hit = _BODIES.get(principal.token_id)
    if hit and hit[0] > now:
        return hit[1]
    rights = rights_of(principal.role)
    records, _, _ = driver.execute_query(
        "CALL () { MATCH (u:Unit) WHERE u.supervision_function IN $functions RETURN u.code AS code "
        "UNION MATCH (t:ApiToken {token_id: $token}) WHERE t.unit_code IS NOT NULL RETURN t.unit_code AS code } "
        "RETURN collect(DISTINCT code) AS codes",
        functions=list(rights.bodies),
        token=principal.token_id,
        database_=database,
        routing_="r",
    )
    codes = frozenset(c for c in records[0]["codes"] if c)
    with _LOCK:
        if len(_BODIES) > 10000:
            _BODIES.clear()
        _BODIES[principal.token_id] = (now + BODIES_TTL, codes)
    return codes


def can_read(order: dict[str, Any], rights: OrderRights, bodies: frozenset[str]) -> bool:
    if rights.read == "all":
        return True
    if rights.read == "own":
        return order.get("issuer_code") in bodies or order.get("assignee_code") in bodies
    if rights.read == "assigned":
        return order.get("assignee_code") in bodies
    return False


def list_filter(rights: OrderRights, bodies: frozenset[str]) -> dict[str, Any]:
    """Keyword arguments for ``graph.orders.store.list_orders`` that keep only readable orders."""
    if rights.read == "all":
        return {}
    if rights.read == "own":
        return {"any_unit": sorted(bodies)}
    if rights.read == "assigned":
        return {"assigned": sorted(bodies)}
    return {"assigned": []}


def _deny(principal: Principal, what: str) -> Forbidden:
    return Forbidden(
        f"角色“{principal.role.title}”无权{what} / role {principal.role.name} may not {what_en(what)}"
    )


def what_en(what: str) -> str:
    return {
        "下发此类督办": "issue this kind of order",
        "以该单位名义下发": "issue in that body's name",
        "签收或反馈此督办单": "sign or answer this order",
        "办结、退回或撤销此督办单": "close, return or cancel this order",
        "查看此督办单": "read this order",
        "督办超出其数据范围的对象": "name targets outside its data scopes",
        "查看督办单": "read orders",
    }.get(what, what)


def check_issue(
    principal: Principal,
    bodies: frozenset[str],
    kind: str,
    issuer: str | None,
    target_labels: list[str],
    clue_sources: list[str | None],
) -> str:
    """The issuing body to use, or Forbidden. ``clue_sources``: the sources of target clues (row filters)."""
    rights = rights_of(principal.role)
    if kind not in rights.issue:
        raise _deny(principal, "下发此类督办")
    if issuer is None:
        issuer = sorted(bodies)[0] if bodies else None
    elif rights.issue_as != "any" and issuer not in bodies:
        raise _deny(principal, "以该单位名义下发")
    if rights.targets == "scope":
        role = principal.role
        labels_ok = all(
            label == "ClusterSnapshot"
            and {"officers", "clues", "cases"} <= role.scopes
            or role.reads_label(label)
            for label in target_labels
        )
        sources_ok = role.clue_sources is None or all(s in role.clue_sources for s in clue_sources)
        if not (labels_ok and sources_ok):
            raise _deny(principal, "督办超出其数据范围的对象")
    if issuer is None:
        raise _deny(principal, "以该单位名义下发")
    return issuer


def may_act(principal: Principal, bodies: frozenset[str], action: OrderAction, order: dict[str, Any]) -> bool:
    rights = rights_of(principal.role)
    if action in (OrderAction.SIGN, OrderAction.FEEDBACK):
        return rights.respond and order.get("assignee_code") in bodies
    if action in (OrderAction.CLOSE, OrderAction.RETURN, OrderAction.CANCEL):
        return rights.manage == "all" or (rights.manage == "own" and order.get("issuer_code") in bodies)
    return False


def check_action(
    principal: Principal, bodies: frozenset[str], action: OrderAction, order: dict[str, Any]
) -> None:
    if not may_act(principal, bodies, action, order):
        what = (
            "签收或反馈此督办单"
            if action in (OrderAction.SIGN, OrderAction.FEEDBACK)
            else "办结、退回或撤销此督办单"
        )
        raise _deny(principal, what)
