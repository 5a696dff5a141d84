"""Where every bench puts its figures: a table for people, then one JSON line for checks.

Each bench prints its table(s) first (``table`` formats one), then calls ``emit(figures)`` once,
at the very end: the figures go to stdout as one JSON object on the last line and to
``bench/results/<bench>-<scale>.json``. ``figures`` must name ``bench`` and ``scale``; ``emit``
adds the machine the numbers were taken on (CPU count, load average, date) under ``machine``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["RESULTS_DIR", "emit", "machine", "table"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """Where and when: the figures of a loaded machine are not those of a quiet one."""
    load = os.getloadavg()
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_1m": round(load[0], 2),
        "load_5m": round(load[1], 2),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table (numbers right-aligned).

    >>> print(table(["query", "p95 ms"], [["a", 1.5]]))
    | query | p95 ms |
    |---|---:|
    | a | 1.5 |
    """
    rows = [list(r) for r in rows]
    right = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(columns))]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def emit(figures: dict[str, Any]) -> None:
    """Print ``figures`` as the last line of stdout and write ``bench/results/<bench>-<scale>.json``."""
    for key in ("bench", "scale"):
        if not figures.get(key):
            raise ValueError(f"bench figures need {key!r}: {sorted(figures)}")
    out = {**figures}
    out.setdefault("machine", machine())
    line = json.dumps(out, ensure_ascii=False, sort_keys=False)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"{out['bench']}-{out['scale']}.json").write_text(line + "\n", encoding="utf-8")
    sys.stdout.flush()
    print(line, flush=True)
