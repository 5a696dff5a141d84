"""Pages of the supervision orders: the "下发督办" form, an order's page, the home page's to-do panel.

Views only render: the API route reads the data and passes it in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2

from graph.schema import ORDER_REL_TYPES, OrderKind, OrderPriority, OrderState, node_spec, order_node_spec
from graph.shape import entity_id
from viz.render import _asset, json_for_script, vis_assets

__all__ = ["render_order_form", "render_order_page", "panel_script", "STATE_COLORS"]

HERE = Path(__file__).resolve().parent
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=jinja2.select_autoescape(["html"])
)

STATE_COLORS = {
    OrderState.ISSUED.value: "#e15759",
    OrderState.SIGNED.value: "#f28e2b",
    OrderState.ANSWERED.value: "#4e79a7",
    OrderState.CLOSED.value: "#59a14f",
    OrderState.CANCELLED.value: "#9d9d9d",
}
OVERDUE_COLOR = "#b00020"


def render_order_form(
    *,
    target: dict[str, Any] | None,
    kinds: list[str],
    bodies: list[dict[str, str]],
    role_title: str,
    today: dt.date,
    error: str | None = None,
) -> str:
    """The standalone "下发督办" form, prefilled from the target (``caption``, ``assignee_code`` …)."""
    t = target or {}
    prefill = {
        "kind": OrderKind.SUPERVISION_ORDER.value
        if OrderKind.SUPERVISION_ORDER.value in kinds
        else (kinds or [""])[0],
        "title": (
            f"关于{t['caption']}的督办"
            if t.get("label") in ("Unit", "Officer")
            else f"关于{t.get('title', '')}{t['caption']}的督办"
        )
        if t.get("caption")
        else "",
        "targets": t.get("id", ""),
        "assignee_code": t.get("assignee_code") or "",
        "deadline": (today + dt.timedelta(days=30)).isoformat(),
    }
    return _env.get_template("order_form.html").render(
        target=t,
        kinds=kinds,
        bodies=bodies,
        role_title=role_title,
        prefill=prefill,
        error=error,
        priorities=[p.value for p in OrderPriority],
    )


def _title(label: str) -> str:
    try:
        return node_spec(label).title
    except KeyError:
        return order_node_spec(label).title


def _color(label: str) -> str:
    try:
        return node_spec(label).color
    except KeyError:
        return order_node_spec(label).color


def order_graph(order: dict[str, Any], captions: dict[str, str]) -> dict[str, Any]:
    """vis-network nodes and edges: the order in the middle, its issuing and assigned bodies, its targets."""
    rel_title = {r.type: r.title for r in ORDER_REL_TYPES}
    color = OVERDUE_COLOR if order.get("overdue") else STATE_COLORS.get(order["state"], "#888")
    oid = f"SupervisionOrder:{order['order_no']}"
    nodes = [
        {
            "id": oid,
            "label": f"{order['kind']} {order['order_no']}\n{order['state']}"
            + ("（逾期）" if order.get("overdue") else ""),
            "shape": "box",
            "color": color,
            "font": {"color": "#ffffff", "size": 16},
            "margin": 10,
            "title": order["title"],
            "kgType": "SupervisionOrder",
            "kgState": order["state"],
        }
    ]
    edges = []
    seen = {oid}

    def add(eid: str, rel: str) -> None:
        label = eid.split(":", 1)[0]
        if eid not in seen:
            seen.add(eid)
            nodes.append(
                {
                    "id": eid,
                    "label": captions.get(eid, eid.split(":", 1)[1]),
                    "shape": "dot" if label != "Unit" else "box",
                    "font": {"size": 15},
                    "color": _color(label),
                    "title": f"{_title(label)} {eid.split(':', 1)[1]}",
                    "kgType": label,
                }
            )
        edge: dict[str, Any] = {
            "from": oid,
            "to": eid,
            "label": rel_title[rel],
            "arrows": "to",
            "dashes": rel == "ORDER_ABOUT",
            "font": {"size": 12, "align": "middle"},
        }
        if rel == "ORDER_ABOUT":  # a target may also be the assigned body: bend it apart
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.35}
        edges.append(edge)

    if order.get("issuer_code"):
        add(entity_id("Unit", order["issuer_code"]), "ORDER_ISSUED_BY")
    if order.get("assignee_code"):
        add(entity_id("Unit", order["assignee_code"]), "ORDER_ASSIGNED_TO")
    for t in order.get("targets", []):
        add(t, "ORDER_ABOUT")
    return {"nodes": nodes, "edges": edges}


def render_order_page(order: dict[str, Any], captions: dict[str, str], *, role_title: str) -> str:
    """An order's page: the network of its targets, assigned body and state; its details and history."""
    vis_js, vis_css = vis_assets()
    payload = {
        **order_graph(order, captions),
        "order_no": order["order_no"],
        "allowed": order.get("allowed_actions", []),
    }
    return _env.get_template("order.html").render(
        order=order,
        role_title=role_title,
        captions=captions,
        payload=json_for_script(payload),
        vis_js=vis_js,
        vis_css=vis_css,
        state_color=STATE_COLORS.get(order["state"], "#888"),
    )


def panel_script() -> str:
    """viz/static/orders_panel.js: fills ``<div id="kg-orders">`` from GET /orders/todo."""
    return _asset(HERE / "static" / "orders_panel.js")
