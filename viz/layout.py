"""Server-side layouts that read at first sight: a tidy tree (the unit tree) and layers (the
accountability chain). Positions are in vis-network canvas units; physics stays off, so the page
shows the final picture at once and expansion places new nodes around the fixed ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from viz.model import ViewEdge, ViewNode

__all__ = ["tree_positions", "layered_positions", "apply_positions"]


def tree_positions(
    ids: Iterable[str],
    parent_of: dict[str, str],
    *,
    sort_key: Callable[[str], Any] = str,
    col: float = 300.0,
    row: float = 42.0,
    columns: int = 1,
) -> dict[str, tuple[float, float]]:
    """Left-to-right tidy tree: depth → x, leaves one ``row`` apart, a parent centred on its
    children. Nodes whose parent is not among ``ids`` are roots (stacked one under another).

    >>> pos = tree_positions(["r", "a", "b"], {"a": "r", "b": "r"})
    >>> pos["r"], pos["a"], pos["b"]
    ((0.0, 21.0), (300.0, 0.0), (300.0, 42.0))
    """
    members = list(dict.fromkeys(ids))
    present = set(members)
    children: dict[str, list[str]] = defaultdict(list)
    roots = []
    for i in members:
        p = parent_of.get(i)
        if p in present and p != i:
            children[p].append(i)
        else:
            roots.append(i)
    pos: dict[str, tuple[float, float]] = {}
    next_y = 0.0

    def place(node: str, depth: int, seen: set[str]) -> float:
        nonlocal next_y
        seen.add(node)
        kids = [k for k in sorted(children.get(node, []), key=sort_key) if k not in seen]
        if not kids:
            y = next_y
            next_y += row
        else:
            ys = [place(k, depth + 1, seen) for k in kids]
            y = (ys[0] + ys[-1]) / 2
        pos[node] = (depth * col, y)
        return y

    seen: set[str] = set()
    blocks: list[tuple[list[str], float, float]] = []  # (members, top, bottom)
    for r in sorted(roots, key=sort_key):
        before = set(pos)
        top = next_y
        place(r, 0, seen)
        blocks.append(([i for i in pos if i not in before], top, next_y))
        next_y += row  # a gap between separate trees
    if columns <= 1 or len(blocks) <= 1:
        return pos
    depth = max(x for x, _ in pos.values()) + col + col / 2
    target = next_y / columns
    c, offset_y = 0, 0.0
    for members, top, _bottom in blocks:
        if top - offset_y >= target and c < columns - 1:
            c, offset_y = c + 1, top
        for i in members:
            x, y = pos[i]
            pos[i] = (x + c * depth, y - offset_y)
    return pos


def layered_positions(
    nodes: list[ViewNode], edges: list[ViewEdge], *, col: float = 230.0, row: float = 150.0
) -> dict[str, tuple[float, float]]:
    """Top-down layers by ``node.level``; within a layer, nodes ordered by the mean position of
    their neighbours in the layer above (one barycentre sweep), centred on x = 0."""
    layers: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        layers[n.level or 0].append(n.id)
    nbrs: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        nbrs[e.from_].add(e.to)
        nbrs[e.to].add(e.from_)
    x_of: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    for level in sorted(layers):
        ids = layers[level]

        def bary(i: str, ids: list[str] = ids) -> tuple[float, int]:
            xs = [x_of[j] for j in nbrs[i] if j in x_of]
            return (sum(xs) / len(xs) if xs else 0.0, ids.index(i))

        ordered = sorted(ids, key=bary)
        width = (len(ordered) - 1) * col
        for k, i in enumerate(ordered):
            x_of[i] = k * col - width / 2
            pos[i] = (x_of[i], level * row)
    return pos


def apply_positions(
    nodes: Iterable[ViewNode],
    pos: dict[str, tuple[float, float]],
    focus: dict[str, tuple[float, float]] | None = None,
) -> None:
    for n in nodes:
        if n.id in pos:
            n.x, n.y = pos[n.id]
        if focus and n.id in focus:
            n.fx, n.fy = focus[n.id]
