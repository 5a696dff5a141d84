"""The sample city: realistic input files of a city (or province) police bureau, with an answer key.

``generate(out, scale="city", seed=7, as_of=date(2026, 6, 30))`` writes one CSV per schema file
into ``out/``, the answer key ``out/answer_key.json`` (format and definitions in
docs/architecture.md), a small folder of dirty exports ``out/dirty/`` with its own
``expected.json`` and a later export of postings ``out/later/postings.csv`` (dated
``as_of`` + 30 days, some officers moved) for snapshot ingests. The same seed and date give
byte-identical files.

``kg sample --scale city --seed 7 --out DIR`` (ingest/commands.py) is the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path

from graph.errors import KgError
from ingest.names import NameMaker
from ingest.sample_city import CityBuilder, CityParams, PlantedCluster
from ingest.sample_dirty import write_dirty
from ingest.sample_key import STALE_DAYS, answer_key_sections
from ingest.sample_sink import Sink

__all__ = [
    "generate",
    "write_later_postings",
    "SCALES",
    "DEFAULT_AS_OF",
    "LATER_DAYS",
    "LATER_MOVES",
]

log = logging.getLogger(__name__)

DEFAULT_AS_OF = dt.date(2026, 6, 30)
LATER_DAYS = 30
"""The later postings export is dated this many days after ``as_of``."""
LATER_MOVES = 12
"""Officers per city the later export shows moved to another unit."""


@dataclass(frozen=True)
class Scale:
    cities: int
    params: CityParams


SCALES: dict[str, Scale] = {
    "city": Scale(1, CityParams()),
    "province": Scale(15, CityParams()),
}
"""A city bureau; a province is fifteen of them side by side (≈15× every count)."""

_CITY_NAMES = (
    "江州",
    "临川",
    "云阳",
    "青州",
    "安平",
    "滨海",
    "河间",
    "宁远",
    "泰和",
    "南屏",
    "清源",
    "长汀",
    "西陵",
    "东阳",
    "白水",
    "广陵",
    "石城",
    "汉川",
    "龙溪",
    "桐乡",
)


def _badges(rng: random.Random, total: int) -> list[str]:
    """Distinct six-digit badge numbers in random order."""
    return [f"{n:06d}" for n in rng.sample(range(10_000, 1_000_000), total)]


def generate(out: Path | str, scale: str = "city", seed: int = 7, as_of: dt.date = DEFAULT_AS_OF) -> Path:
    """Write the sample into ``out`` and return the path of its answer key."""
    if scale not in SCALES:
        raise KgError(f"未知的规模 / unknown scale {scale!r}; 可选 / choose from: {', '.join(SCALES)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.csv"):
        stale.unlink()
    spec = SCALES[scale]
    rng = random.Random(seed)
    names = NameMaker(rng)
    badges = iter(_badges(rng, 20_000 * spec.cities))
    sink = Sink(out)
    clusters: list[PlantedCluster] = []
    try:
        for idx in range(1, spec.cities + 1):
            city = _CITY_NAMES[(idx - 1) % len(_CITY_NAMES)] + (
                "市" if idx <= len(_CITY_NAMES) else f"{idx}市"
            )
            builder = CityBuilder(rng, sink, idx, city, as_of, spec.params, badges, names)
            clusters.extend(builder.build())
            log.info("sample city %s: %d officers", city, len(builder.officers))
    finally:
        sink.close()
    key: dict[str, object] = {
        "seed": seed,
        "scale": scale,
        "as_of": as_of.isoformat(),
        "stale_days": STALE_DAYS,
        "counts": {
            "units": sink.counts["units"],
            "officers": sink.counts["officers"],
            "clues": sink.counts["clues"],
            "cases": sink.counts["cases"],
        },
        "clusters": [
            {
                "id": f"C{k}",
                "kind": c.kind,
                "officers": sorted(c.officers),
                "units": sorted(c.units),
                "cases": sorted(c.cases),
                "clues": sorted(c.clues),
            }
            for k, c in enumerate(clusters, 1)
        ],
        **answer_key_sections(sink.kept, as_of),
        "later_postings": write_later_postings(
            out / "later", sink.kept["postings"], as_of, seed, LATER_MOVES * spec.cities
        ),
        "files": dict(sorted(sink.counts.items())),
    }
    key_path = out / "answer_key.json"
    key_path.write_text(json.dumps(key, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_dirty(out / "dirty", seed=seed, as_of=as_of)
    return key_path


def write_later_postings(
    out: Path, postings: list[tuple[str, ...]], as_of: dt.date, seed: int, moves: int
) -> dict[str, object]:
    """A later, complete export of postings (``as_of`` + ``LATER_DAYS``): every row again, except
    that ``moves`` officers left their current unit for another one. Loaded with ``kg ingest
    later --snapshot --as-of DATE``, it ends exactly their old postings."""
    rng = random.Random(seed * 104_729 + 3)
    later = as_of + dt.timedelta(days=LATER_DAYS)
    current = [p for p in postings if not p[3] and p[2] and dt.date.fromisoformat(p[2]) <= as_of]
    units = sorted({p[1] for p in postings})
    chosen = rng.sample(current, moves)
    moved = []
    rows = [list(p) for p in postings if p not in chosen]
    for badge, unit, _, _ in chosen:
        to = rng.choice([u for u in units if u != unit])
        start = (later - dt.timedelta(days=rng.randint(1, LATER_DAYS - 1))).isoformat()
        rows.append([badge, to, start, ""])
        moved.append({"badge_no": badge, "from": unit, "to": to, "start_date": start})
    out.mkdir(parents=True, exist_ok=True)
    with (out / "postings.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["badge_no", "unit_code", "start_date", "end_date"])
        w.writerows(rows)
    return {
        "folder": out.name,
        "as_of": later.isoformat(),
        "moved": sorted(moved, key=lambda m: m["badge_no"]),
        "ended": len(chosen),
        "rows": len(rows),
    }
