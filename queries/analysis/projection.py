"""Query results → networkx: the one place where they become analysis graphs (co-involvement
projections for clusters, ``entity_graph`` for entity-shaped nodes and edges)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

import networkx as nx

__all__ = ["Group", "co_involvement_graph", "add_unit_ties", "entity_graph"]

Group = tuple[str, str, list[str]]
"""(kind, key, officer badge numbers): a case or a clue and the officers it ties together."""

DEFAULT_WEIGHTS = {"Case": 3.0, "Clue": 1.0}


def co_involvement_graph(groups: Iterable[Group], weights: Mapping[str, float] | None = None) -> nx.Graph:
    """Officers linked by shared cases and clues; an edge's weight sums its shared groups.

    Every officer that appears in any group is a node, even alone, so single-officer cases can
    later be attached to the officer's cluster.

    >>> g = co_involvement_graph([("Case", "C1", ["a", "b", "c"]), ("Clue", "K1", ["a", "b"])])
    >>> g["a"]["b"]["weight"], g["a"]["c"]["weight"], sorted(g.nodes)
    (4.0, 3.0, ['a', 'b', 'c'])
    """
    w = dict(DEFAULT_WEIGHTS, **(weights or {}))
    g = nx.Graph()
    for kind, _key, officers in groups:
        members = sorted(set(officers)) if len(officers) > 1 else officers
        for m in members:
            g.add_node(m)
        for a, b in combinations(members, 2):
            if g.has_edge(a, b):
                g[a][b]["weight"] += w[kind]
            else:
                g.add_edge(a, b, weight=w[kind])
    return g


def add_unit_ties(
    g: nx.Graph, facts: Mapping[str, Mapping[str, Any]], unit_weight: float = 0.2, post_weight: float = 0.3
) -> nx.Graph:
    """Weak ties between officers of the graph who serve in the same unit (more if same post).

    Only officers already in ``g`` are tied, so the whole force does not become one blob.
    """
    h = g.copy()
    by_unit: dict[str, list[str]] = {}
    for badge in sorted(h.nodes):
        unit = (facts.get(badge) or {}).get("unit_code")
        if unit:
            by_unit.setdefault(unit, []).append(badge)
    for members in by_unit.values():
        for a, b in combinations(members, 2):
            extra = unit_weight
            pa, pb = facts[a].get("post"), facts[b].get("post")
            if pa and pa == pb:
                extra += post_weight
            if h.has_edge(a, b):
                h[a][b]["weight"] += extra
            else:
                h.add_edge(a, b, weight=extra)
    return h


def entity_graph(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]]) -> nx.MultiDiGraph:
    """Entity-shaped nodes/edges (graph/shape.py) → a MultiDiGraph keyed by entity id; each edge
    keyed by its edge id. Edges whose ends are not among ``nodes`` are left out.

    >>> g = entity_graph(
    ...     [{"id": "Officer:1", "type": "Officer"}, {"id": "Unit:U", "type": "Unit", "caption": "一所"}],
    ...     [{"id": "SERVES_IN:Officer:1->Unit:U:0", "type": "SERVES_IN", "from": "Officer:1", "to": "Unit:U"},
    ...      {"id": "PART_OF:Unit:U->Unit:X:0", "type": "PART_OF", "from": "Unit:U", "to": "Unit:X"}],
    ... )
    >>> sorted(g.nodes), list(g.edges(keys=True)), g.nodes["Unit:U"]["caption"]
    (['Officer:1', 'Unit:U'], [('Officer:1', 'Unit:U', 'SERVES_IN:Officer:1->Unit:U:0')], '一所')
    """
    g = nx.MultiDiGraph()
    for n in nodes:
        g.add_node(
            n["id"],
            type=n["type"],
            key=n.get("key"),
            caption=n.get("caption"),
            props=dict(n.get("props") or {}),
        )
    for e in edges:
        if e["from"] in g and e["to"] in g:
            g.add_edge(e["from"], e["to"], key=e["id"], type=e["type"], props=dict(e.get("props") or {}))
    return g
