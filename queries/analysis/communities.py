"""Community detection on the weighted co-involvement graph, deterministic (fixed seed).

Two implementations on the same projection: networkx Louvain and igraph's Leiden (the default;
see docs/queries.md for the measured comparison).
"""

from __future__ import annotations

import random
import threading
from typing import Literal

import networkx as nx

__all__ = ["detect_communities", "louvain", "leiden", "SEED"]

SEED = 20260630
Algorithm = Literal["leiden", "louvain"]
_IGRAPH_RNG = threading.Lock()


def _canonical(parts: list[set[str]]) -> list[set[str]]:
    """Largest first, then by smallest member, so the order never depends on the algorithm's."""
    return sorted((set(p) for p in parts if p), key=lambda p: (-len(p), min(p)))


def _alone(g: nx.Graph) -> list[set[str]]:
    """Officers with no tie, each a community of their own.

    Both algorithms move a node only for a positive gain, and a node of degree 0 gains nothing
    anywhere, so it ends alone whatever the rest does. Their cost, though, grows with the node
    count: the province projection holds ~40,000 such officers of ~49,000, and leaving them out
    made Leiden ~10× and Louvain ~5× faster with the same partition. Both therefore optimise the
    tied officers only and add these back.
    """
    return [{n} for n, d in g.degree() if d == 0]


def louvain(g: nx.Graph, *, seed: int = SEED, resolution: float = 1.0) -> list[set[str]]:
    """networkx Louvain on edge ``weight``.

    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y")])
    >>> g.add_node("z")
    >>> [sorted(p) for p in louvain(g)]
    [['a', 'b', 'c'], ['x', 'y'], ['z']]
    """
    if g.number_of_nodes() == 0:
        return []
    tied = g.subgraph(n for n, d in g.degree() if d > 0)
    if tied.number_of_nodes() == 0:
        return _canonical(_alone(g))
    parts = nx.community.louvain_communities(tied, weight="weight", resolution=resolution, seed=seed)
    return _canonical(list(parts) + _alone(g))


def leiden(g: nx.Graph, *, seed: int = SEED, resolution: float = 1.0) -> list[set[str]]:
    """igraph's Leiden (``Graph.community_leiden``: modularity; with ``resolution`` ≠ 1 the
    generalised modularity, i.e. the RB configuration model) on edge ``weight``, until no move
    improves it.

    igraph draws from the generator set with ``igraph.set_random_number_generator``, one for the
    whole process: it is set to a generator seeded with ``seed`` for the call, under a lock
    (queries run on several threads), then given back.

    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y")])
    >>> g.add_node("z")
    >>> [sorted(p) for p in leiden(g)]
    [['a', 'b', 'c'], ['x', 'y'], ['z']]
    """
    import igraph as ig

    if g.number_of_nodes() == 0:
        return []
    names = sorted(n for n, d in g.degree() if d > 0)
    if not names:
        return _canonical(_alone(g))
    index = {n: i for i, n in enumerate(names)}
    edges = [(index[a], index[b]) for a, b in g.edges]
    weights = [float(d.get("weight", 1.0)) for _, _, d in g.edges(data=True)]
    ig_graph = ig.Graph(n=len(names), edges=edges)
    with _IGRAPH_RNG:
        ig.set_random_number_generator(random.Random(seed))
        try:
            part = ig_graph.community_leiden(
                objective_function="modularity", weights=weights, resolution=resolution, n_iterations=-1
            )
        finally:
            ig.set_random_number_generator(random)
    return _canonical([{names[i] for i in members} for members in part] + _alone(g))


def detect_communities(
    g: nx.Graph, algorithm: Algorithm = "leiden", *, seed: int = SEED, resolution: float = 1.0
) -> list[set[str]]:
    if algorithm == "louvain":
        return louvain(g, seed=seed, resolution=resolution)
    return leiden(g, seed=seed, resolution=resolution)
