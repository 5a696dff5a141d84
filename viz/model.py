"""The view model: a graph picture in the entity shape plus what the page needs to draw it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ViewNode(BaseModel):
    """A node in the entity shape (``id``, ``type``, ``key``, ``caption``, ``props``) plus view
    attributes. ``facts`` are extra tooltip lines the view adds (rating, reasons, marks)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    type: str
    key: str
    caption: str = ""
    props: dict[str, Any] = {}
    group: str | None = None
    level: int | None = None
    color: str | None = None
    shape: str | None = None
    size: float | None = None
    x: float | None = None
    y: float | None = None
    border: str | None = None  # highlight ring colour (uncovered unit, 窝案 mark …)
    mark: str | None = None  # short text appended to the label (e.g. "窝案")
    facts: list[tuple[str, str]] = []  # extra tooltip lines: (Chinese title, value)
    aggregate: int | None = None  # this node stands for N entities (large-graph aggregation)
    important: bool = False  # carries the view's message: labelled readably at the fitted zoom
    legend: str | None = None  # legend entry (default: role or type title)
    role: str | None = None  # the person's role in this view (支部书记, 党委班子成员 …): colour-and-shape
    fx: float | None = None  # position in focus mode (tree layouts compute both)
    fy: float | None = None


class ViewEdge(BaseModel):
    """An edge in the entity shape (``from``/``to`` are node ids)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    type: str
    from_: str = Field(alias="from")
    to: str
    props: dict[str, Any] = {}
    color: str | None = None
    dashes: bool | None = None
    label: str | None = None
    width: float | None = None
    legend: str | None = None  # legend entry (default: the relationship's title)

    def entity(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class RankedItem(BaseModel):
    """One row of the view's ranked side list; ``id`` is the node it focuses."""

    id: str
    label: str
    note: str = ""
    level: str = "info"  # bad | warn | info (row colour)


class LegendItem(BaseModel):
    label: str  # Chinese
    kind: str = "node"  # node | edge | mark
    color: str
    shape: str | None = None
    dashes: bool = False


class GraphView(BaseModel):
    """What a view builds and the page renders. ``total_nodes`` counts the entities before any
    limit or aggregation, so the page can say how much is not shown."""

    name: str
    title: str
    as_of: str
    params: dict[str, Any] = {}
    nodes: list[ViewNode] = []
    edges: list[ViewEdge] = []
    legend: list[LegendItem] = []
    notice: str | None = None
    total_nodes: int = 0
    hierarchical: bool = False  # top-down layout (accountability chain, unit tree)
    figures: list[tuple[str, str]] = []  # key figures shown above the picture
    ranked: list[RankedItem] = []  # the side list: what matters in the picture, worst first
    ranked_title: str = "重点"
    focus: list[str] | None = None  # node ids of the focus mode (gaps with context); None: no focus mode
    layout: str = "physics"  # physics | preset (x/y, and fx/fy for focus, computed server-side)
    pickers: list[
        dict[str, Any]
    ] = []  # choosers above the picture: {"param","title","options":[(value,label)]}
    charts: list[dict[str, Any]] = []  # ECharts options drawn beside the network
    notes: list[str] = []  # where the picture rests on missing data (the queries' notes)

    def node_ids(self) -> set[str]:
        return {n.id for n in self.nodes}
