"""Charts and small network pictures for the bulletin, drawn server-side with matplotlib.

Chinese text needs a CJK font: the Noto CJK collection (Debian ``fonts-noto-cjk``) is found with
``fc-list`` (or a known path) and registered with matplotlib's font manager once. Every function
returns PNG bytes; nothing here queries the database.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from queries.analysis.projection import entity_graph  # noqa: E402

log = logging.getLogger(__name__)

__all__ = ["cjk_font", "bars", "grouped_bars", "stacked_bars", "hbars", "network"]

_KNOWN = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
]
_LOCK = threading.Lock()  # pyplot's state is global: one chart at a time
DPI = 150
RATING_COLORS = {"好": "#2e7d32", "较好": "#7cb342", "一般": "#f9a825", "差": "#c62828"}
PALETTE = ["#1f5fa8", "#8fb3de", "#c9d7ea", "#c62828", "#f9a825", "#2e7d32", "#6a1b9a", "#00838f"]


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Register the Noto Sans CJK collection with matplotlib; its family name, or None."""
    paths: list[Path] = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10
            ).stdout
            paths = [Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()]
        except (OSError, subprocess.SubprocessError) as e:
            log.warning("fc-list failed: %s", e)
    paths = sorted(paths, key=lambda p: ("Sans" not in p.name, "Regular" not in p.name, p.name)) + _KNOWN
    for path in paths:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
            return name
    log.warning("no CJK font found (install fonts-noto-cjk): Chinese labels will show as boxes")
    return None


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _label_bars(ax: Any, bars_: Any, fmt: str = "{:g}") -> None:
    for b in bars_:
        h = b.get_height()
        ax.annotate(
            fmt.format(h),
            (b.get_x() + b.get_width() / 2, h),
            ha="center",
            va="bottom",
            fontsize=7,
            xytext=(0, 1),
            textcoords="offset points",
        )


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    size: tuple[float, float] = (6.4, 2.8),
) -> bytes:
    """Bars per category, one colour per series (e.g. this period / previous / last year)."""
    cjk_font()
    with _LOCK:
        fig, ax = plt.subplots(figsize=size)
        n = max(1, len(series))
        width = 0.8 / n
        for i, (name, values) in enumerate(series.items()):
            xs = [x + (i - (n - 1) / 2) * width for x in range(len(categories))]
            _label_bars(ax, ax.bar(xs, values, width=width, label=name, color=PALETTE[i % len(PALETTE)]))
        ax.set_xticks(range(len(categories)), list(categories))
        ax.legend(fontsize=8, frameon=False)
        _style(ax, title)
        return _png(fig)


def bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    size: tuple[float, float] = (6.4, 2.8),
) -> bytes:
    cjk_font()
    with _LOCK:
        fig, ax = plt.subplots(figsize=size)
        _label_bars(ax, ax.bar(range(len(labels)), values, color=list(colors) if colors else PALETTE[0]))
        ax.set_xticks(range(len(labels)), list(labels))
        _style(ax, title)
        return _png(fig)


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    percent: bool = False,
    size: tuple[float, float] = (6.4, 3.0),
) -> bytes:
    """Stacked bars: ``series`` name → one value per category (shares when ``percent``)."""
    cjk_font()
    with _LOCK:
        fig, ax = plt.subplots(figsize=size)
        bottom = [0.0] * len(categories)
        cmap = plt.get_cmap("tab20")
        for i, (name, values) in enumerate(series.items()):
            color = PALETTE[i] if len(series) <= 4 else cmap(i % 20)
            ax.bar(range(len(categories)), values, bottom=bottom, label=name, color=color, width=0.6)
            if percent:
                for x, (v, b) in enumerate(zip(values, bottom, strict=True)):
                    if v >= 0.06:
                        ax.text(
                            x,
                            b + v / 2,
                            f"{v * 100:.0f}%",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if i == 0 else "black",
                        )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(range(len(categories)), list(categories), fontsize=8)
        if percent:
            for x, total in enumerate(bottom):
                if total == 0:
                    ax.text(x, 0.5, "暂无数据", ha="center", va="center", fontsize=8, color="#777777")
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.legend(
            fontsize=7,
            frameon=False,
            ncol=min(len(series), 6),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
        )
        _style(ax, title)
        return _png(fig)


def hbars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    xlim: tuple[float, float] | None = None,
    legend: dict[str, str] | None = None,
    fmt: str = "{:g}",
) -> bytes:
    """Horizontal bars, first label on top (rankings, scores by sub-bureau)."""
    cjk_font()
    with _LOCK:
        height = max(1.6, 0.24 * len(labels) + 0.8)
        fig, ax = plt.subplots(figsize=(6.4, height))
        ys = list(range(len(labels)))[::-1]
        drawn = ax.barh(ys, values, color=list(colors) if colors else PALETTE[0], height=0.65)
        for b, v in zip(drawn, values, strict=True):
            ax.annotate(
                fmt.format(v),
                (b.get_width(), b.get_y() + b.get_height() / 2),
                va="center",
                fontsize=7,
                xytext=(2, 0),
                textcoords="offset points",
            )
        ax.set_yticks(ys, list(labels), fontsize=8)
        if xlim:
            ax.set_xlim(*xlim)
        if legend:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[Patch(color=c, label=k) for k, c in legend.items()],
                fontsize=7,
                frameon=False,
                loc="lower right",
            )
        _style(ax, title)
        return _png(fig)


_NODE_STYLE = {
    "Officer": ("#1f5fa8", 150),
    "Case": ("#c62828", 120),
    "Clue": ("#f9a825", 70),
    "Unit": ("#2e7d32", 200),
}


def network(
    title: str,
    nodes: Sequence[dict[str, Any]],
    edges: Sequence[dict[str, Any]],
    *,
    labels: dict[str, str],
    legend: dict[str, str],
) -> bytes:
    """A small network picture of entity-shaped ``nodes`` and ``edges``; ``labels`` id → text."""
    cjk_font()
    g = nx.Graph(entity_graph(nodes, edges))  # undirected, parallel edges merged
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    pos = nx.spring_layout(g, seed=7, k=1.4 / max(1, len(g)) ** 0.5) if len(g) else {}
    with _LOCK:
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#9e9e9e", width=0.8)
        for kind, (color, size) in _NODE_STYLE.items():
            members = [n for n, d in g.nodes(data=True) if d["type"] == kind]
            if members:
                nx.draw_networkx_nodes(
                    g,
                    pos,
                    nodelist=members,
                    node_color=color,
                    node_size=size,
                    ax=ax,
                    label=legend.get(kind, kind),
                )
        ys = [y for _, y in pos.values()] or [0.0]
        dy = 0.07 * max(0.5, max(ys) - min(ys))
        below = {n: (x, y - dy) for n, (x, y) in pos.items()}  # captions under the dots, on white
        nx.draw_networkx_labels(
            g,
            below,
            {n: labels.get(n, "") for n in g},
            font_size=7,
            ax=ax,
            font_family=plt.rcParams["font.family"][0],
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.3},
        )
        ax.margins(0.08)
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=0.6)
        ax.axis("off")
        return _png(fig)
