"""The registry of graph views. A view calls prepared queries (through the one query registry)
and turns their results into a ``GraphView``; it never writes Cypher of its own ("views only
render"). One module per view family; importing this package registers them, in this order."""

# ruff: noqa: I001  (the import order is the registration order: the home page lists views so)
from viz.views.base import (
    AGGREGATE_ABOVE,
    LEADER_BORDER,
    ViewDef,
    ViewParams,
    all_views,
    get_view,
    short_unit_name,
)
from viz.views.ecosystem import RATING_COLORS, RATING_ORDER, score_key
from viz.views import cluster, people  # noqa: F401
from viz.views.liaison import STATUS_COLORS
from viz.views.supervision import GAP_COLOR, OVERLAP_COLOR
from viz.views import chain  # noqa: F401

__all__ = [
    "AGGREGATE_ABOVE",
    "GAP_COLOR",
    "LEADER_BORDER",
    "OVERLAP_COLOR",
    "RATING_COLORS",
    "RATING_ORDER",
    "STATUS_COLORS",
    "ViewDef",
    "ViewParams",
    "all_views",
    "get_view",
    "score_key",
    "short_unit_name",
]
