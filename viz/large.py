"""Keeping large pictures usable: limit with a notice, aggregate leaves, lay out server-side.

vis-network's physics settles ~1,500 nodes only after minutes and tens of thousands never, so
above ``LAYOUT_THRESHOLD`` nodes the positions are computed here (Fruchterman–Reingold in
igraph's C core: ~0.7 s for 2,000 nodes, where networkx's pure-Python layouts take 10–100×
longer) and the page draws them with physics off.
"""

from __future__ import annotations

import logging
import math
import random
from collections import defaultdict

import igraph as ig

from graph.schema import node_spec
from graph.shape import edge
from viz.model import GraphView, ViewEdge, ViewNode

log = logging.getLogger(__name__)

LAYOUT_THRESHOLD = 1000
"""Above this many nodes, positions are computed server-side and physics is off."""

MAX_NODES = 5000
"""Hard cap on drawn nodes; the rest is left out with a notice."""

PHYSICS_ITERATIONS = 200
"""Stabilization iterations below the threshold (vis-network's default is 1,000)."""


def limit_nodes(view: GraphView, max_nodes: int = MAX_NODES) -> GraphView:
    """Keep the first ``max_nodes`` nodes (views list nodes by importance) and say so."""
    if len(view.nodes) <= max_nodes:
        return view
    total = max(view.total_nodes, len(view.nodes))
    view.nodes = view.nodes[:max_nodes]
    keep = view.node_ids()
    view.edges = [e for e in view.edges if e.from_ in keep and e.to in keep]
    view.total_nodes = total
    note = f"节点过多，仅显示前 {max_nodes} 个（共 {total} 个）；请缩小范围查看细节。"
    view.notice = f"{view.notice} {note}" if view.notice else note
    return view


def aggregate_members(view: GraphView, member_type: str, via_edge: str, threshold: int) -> GraphView:
    """Replace the ``member_type`` nodes hanging off each parent through ``via_edge`` by one
    node per parent ("民警 ×37") once the view has more than ``threshold`` nodes.

    Members without such an edge stay as they are. Edges between members and other nodes are
    redirected to the aggregate (one edge per type and pair).
    """
    if len(view.nodes) <= threshold:
        return view
    members = {n.id for n in view.nodes if n.type == member_type}
    parent_of: dict[str, str] = {}
    for e in view.edges:
        if e.type == via_edge and e.from_ in members and e.from_ not in parent_of:
            parent_of[e.from_] = e.to
    if not parent_of:
        return view
    counts: dict[str, int] = defaultdict(int)
    for parent in parent_of.values():
        counts[parent] += 1
    title = node_spec(member_type).title if member_type else member_type
    by_id = {n.id: n for n in view.nodes}
    agg_id = {p: f"agg:{member_type}:{p}" for p in counts}
    new_nodes: list[ViewNode] = []
    for n in view.nodes:
        if n.id in parent_of:
            continue
        new_nodes.append(n)
        if n.id in agg_id:
            c = counts[n.id]
            new_nodes.append(
                ViewNode(
                    id=agg_id[n.id],
                    type=member_type,
                    key=agg_id[n.id],
                    caption=f"{title} ×{c}",
                    aggregate=c,
                    size=10 + 4 * math.sqrt(c),
                    facts=[("所属", by_id[n.id].caption), ("人数", str(c))],
                )
            )
    seen: set[tuple[str, str, str]] = set()
    new_edges: list[ViewEdge] = []
    for e in view.edges:
        src = agg_id[parent_of[e.from_]] if e.from_ in parent_of else e.from_
        dst = agg_id[parent_of[e.to]] if e.to in parent_of else e.to
        if e.type == via_edge and e.from_ in parent_of:
            dst = e.to
        sig = (e.type, src, dst)
        if src == dst or sig in seen:
            continue
        seen.add(sig)
        if (src, dst) != (e.from_, e.to):
            e = ViewEdge.model_validate(edge(e.type, src, dst))
        new_edges.append(e)
    total = max(view.total_nodes, len(view.nodes))
    view.nodes, view.edges, view.total_nodes = new_nodes, new_edges, total
    note = f"{title}较多（{len(parent_of)} 人），已按单位汇总显示；双击单位视图查看名单。"
    view.notice = f"{view.notice} {note}" if view.notice else note
    return view


def compute_layout(view: GraphView, *, seed: int = 7) -> None:
    """Set ``x``/``y`` on every node (force-directed, deterministic for a given seed)."""
    n = len(view.nodes)
    if n == 0:
        return
    index = {node.id: i for i, node in enumerate(view.nodes)}
    pairs = {(index[e.from_], index[e.to]) for e in view.edges if e.from_ in index and e.to in index}
    g = ig.Graph(n=n, edges=[p for p in pairs if p[0] != p[1]])
    rng = random.Random(seed)
    # Start positions spread over about sqrt(n) units: igraph's grid variant buckets nodes into
    # unit cells, so a start squeezed into [-1, 1] put all of them in a few cells (82 s instead
    # of 5 s for 5,000 nodes).
    r = math.sqrt(n)
    start = [[rng.uniform(-r, r), rng.uniform(-r, r)] for _ in range(n)]
    layout = g.layout_fruchterman_reingold(niter=300, seed=start, grid="auto" if n > 1000 else "nogrid")
    coords = layout.coords
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    side = 70.0 * math.sqrt(n)  # about 70 px of canvas per node along each axis
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    for node, (x, y) in zip(view.nodes, coords, strict=True):
        node.x = round((x - cx) / span * side, 1)
        node.y = round((y - cy) / span * side, 1)
