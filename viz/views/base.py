"""The view definition and registry, and what every view shares: running a prepared query,
the day a view is "as of", the unit tree (its root from the data), entity-shaped nodes and edges."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import neo4j
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.errors import QueryParamError
from graph.schema import node_spec
from graph.shape import entity_id
from queries.paramerrors import param_specs
from queries.period import data_as_of
from queries.registry import QueryResult, Registry, get_query
from viz.model import GraphView, ViewEdge, ViewNode

log = logging.getLogger(__name__)


LEADER_BORDER = "#000000"
AGGREGATE_ABOVE = 300
"""Unit view: above this many nodes, officers are shown as one node per unit."""


class ViewParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    as_of: dt.date | None = Field(
        None, title="截至日期", description="不填则为数据本身的截至日期（最新业务日期）"
    )


@dataclass(frozen=True)
class ViewDef:
    name: str
    title: str  # Chinese
    description: str  # Chinese
    params: type[BaseModel]
    builder: Callable[[neo4j.Driver, str, Any], GraphView]
    entity: str | None = None  # label when the view is about one entity (its key is required)
    queries: tuple[str, ...] = ()  # the prepared queries it calls (their scopes apply)

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        try:
            return self.params.model_validate(raw)
        except ValidationError as e:
            parts = [
                f"{'.'.join(str(p) for p in err['loc']) or '(参数)'}: {err['msg']}" for err in e.errors()
            ]
            raise QueryParamError(
                f"视图 {self.name} 的参数有误 / bad parameters for view {self.name}: " + "; ".join(parts)
            ) from e

    def build(self, driver: neo4j.Driver, database: str, raw: dict[str, Any]) -> GraphView:
        p = self.validate(raw)
        view = self.builder(driver, database, p)
        view.params = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in p.model_dump(mode="json").items()
            if v is not None
        }
        return view

    def param_list(self) -> list[dict[str, Any]]:
        """``name``, ``type``, ``required``, ``default`` (and title) of each parameter, as for queries."""
        return param_specs(self.params)


_VIEWS: Registry[ViewDef] = Registry("视图", "view")


def register_view(v: ViewDef) -> ViewDef:
    return _VIEWS.add(v)


def all_views() -> list[ViewDef]:
    return _VIEWS.all()


def get_view(name: str) -> ViewDef:
    return _VIEWS.get(name)


def run_query(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> QueryResult:
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v is not None}
    return get_query(query).execute(driver, database, clean)


def resolve_as_of(driver: neo4j.Driver, database: str, p: Any) -> str:
    """The day the view is "as of": the one asked for, else the data's own newest date (old
    exports are not judged against today), else today for an empty graph. Written back to ``p``
    so every query of the view uses the same day."""
    if p.as_of is None:
        p.as_of = data_as_of(driver, database) or dt.date.today()
    return str(p.as_of.isoformat())


@dataclass
class UnitTree:
    """Every unit (``Unit:code`` → node), its parent, and the roots: units without a parent that
    have units below them (the bureau). The root's name comes from the data, never from code."""

    units: dict[str, ViewNode]
    parent: dict[str, str]
    roots: list[str]

    @property
    def root_name(self) -> str:
        """The first root's name (what a unit's full name starts with), "" without a tree."""
        return next((self.units[r].caption or "" for r in self.roots if r in self.units), "")


def unit_tree(driver: neo4j.Driver, database: str) -> UnitTree:
    res = run_query(driver, database, "unit_tree", {})
    return UnitTree(
        units={n.id: n for n in view_nodes(res) if n.type == "Unit"},
        parent={e.from_: e.to for e in view_edges(res) if e.type == "PART_OF"},
        roots=[entity_id("Unit", code) for code in res.summary.get("roots", [])],
    )


def ancestors(nid: str, parent: dict[str, str]) -> list[str]:
    out: list[str] = []
    while nid in parent and parent[nid] not in out and len(out) < 12:
        nid = parent[nid]
        out.append(nid)
    return out


def view_nodes(result: QueryResult) -> list[ViewNode]:
    return [ViewNode(**n) for n in result.nodes]


def view_edges(result: QueryResult) -> list[ViewEdge]:
    return [ViewEdge(**e) for e in result.edges]


def unit_node(code: str, name: str | None, **props: Any) -> ViewNode:
    spec = node_spec("Unit")
    return ViewNode(
        id=entity_id("Unit", code),
        type="Unit",
        key=code,
        caption=name or code,
        props={spec.key: code, "name": name, **{k: v for k, v in props.items() if v is not None}},
    )


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def short_unit_name(name: str, root_name: str) -> str:
    """A unit's name without the bureau's own name in front (江州市公安局龙泉县分局 → 龙泉县分局)."""
    return (
        name[len(root_name) :]
        if root_name and name.startswith(root_name) and len(name) > len(root_name)
        else name
    )
