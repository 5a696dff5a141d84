"""Political ecosystem (政治生态) score and rating, from the indicators of one unit.

The weights and thresholds live in ``queries/ecosystem.toml``; see its header for the formula.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph.thresholds import DEFAULT_PERIOD_DAYS

__all__ = ["EcosystemConfig", "Indicator", "NO_DATA", "load_config", "derive_rates", "score_unit"]

CONFIG_PATH = Path(__file__).resolve().parent.parent / "ecosystem.toml"


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    weight: float
    full: float = 1.0
    target: float = 0.0  # first_form_share only
    min_formed: int = 0  # first_form_share only
    extra: bool = False  # outside the 100-point budget (e.g. overdue supervision orders)


@dataclass(frozen=True)
class EcosystemConfig:
    period_days: int
    indicators: tuple[Indicator, ...]
    ratings: tuple[tuple[str, float], ...]  # (level, min_score), best first
    caps: tuple[tuple[str, float, str], ...]  # (indicator, at, level)

    def level_rank(self, level: str) -> int:
        return [lv for lv, _ in self.ratings].index(level)


def parse_config(data: dict[str, Any]) -> EcosystemConfig:
    inds = tuple(
        Indicator(
            name=k,
            title=v["title"],
            weight=float(v["weight"]),
            full=float(v.get("full", 1.0)),
            target=float(v.get("target", 0.0)),
            min_formed=int(v.get("min_formed", 0)),
            extra=bool(v.get("extra", False)),
        )
        for k, v in data["indicators"].items()
    )
    ratings = tuple(
        sorted(((r["level"], float(r["min_score"])) for r in data["ratings"]), key=lambda x: -x[1])
    )
    caps = tuple((c["indicator"], float(c["at"]), c["level"]) for c in data.get("caps", []))
    cfg = EcosystemConfig(
        period_days=DEFAULT_PERIOD_DAYS,
        indicators=inds,
        ratings=ratings,
        caps=caps,
    )
    names = {i.name for i in inds}
    for ind, _, level in caps:
        if ind not in names or level not in {lv for lv, _ in ratings}:
            raise ValueError(f"ecosystem.toml: bad cap {ind!r} → {level!r}")
    if abs(sum(i.weight for i in inds if not i.extra) - 100) > 1e-6:
        raise ValueError("ecosystem.toml: indicator weights (extra ones aside) must add up to 100")
    return cfg


@lru_cache(maxsize=1)
def load_config(path: Path = CONFIG_PATH) -> EcosystemConfig:
    with open(path, "rb") as f:
        return parse_config(tomllib.load(f))


NO_DATA = "无数据"
"""The rating of a unit with no record at all in the period: nothing to rate it on."""


def derive_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Add the per-100-officer rates and the first-form share to a row of raw counts.

    Without current officers there is no base: the rates are None (unknown), not 0.
    """
    out = dict(row)
    officers = row.get("officers") or 0
    for rate, count in (
        ("clues_per_100", "clues"),
        ("cases_per_100", "cases"),
        ("petition_clues_per_100", "petition_clues"),
    ):
        out[rate] = round(row.get(count, 0) * 100.0 / officers, 2) if officers else None
    formed = row.get("formed_involvements", 0)
    out["first_form_share"] = round(row.get("first_form_involvements", 0) / formed, 4) if formed else None
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def score_unit(row: dict[str, Any], cfg: EcosystemConfig) -> dict[str, Any]:
    """Score one unit's indicators: ``score`` (0–100), ``rating`` and ``reasons`` (Chinese).

    A row that says it holds no record in the period (``records`` = 0) is not scored: score None,
    rating 无数据. Indicators that are None (unknown) cost nothing.

    >>> cfg = load_config()
    >>> r = score_unit(derive_rates({"officers": 100, "clues": 0, "cases": 0, "leader_cases": 0,
    ...     "nest_cases": 0, "linked_cases": 0, "repeat_clue_officers": 0, "formed_involvements": 0,
    ...     "first_form_involvements": 0, "overdue_rectifications": 0, "petition_clues": 0}), cfg)
    >>> r["score"], r["rating"], r["reasons"]
    (100.0, '好', [])
    """
    if row.get("records") == 0:
        return {"score": None, "rating": NO_DATA, "reasons": ["统计期内本单位没有线索、案件、检查或整改记录"]}
    penalties: list[tuple[float, str]] = []
    total = 0.0
    for ind in cfg.indicators:
        value = row.get(ind.name)
        if ind.name == "first_form_share":
            if value is None or row.get("formed_involvements", 0) < ind.min_formed or ind.target <= 0:
                continue
            p = ind.weight * max(0.0, ind.target - value) / ind.target
            text = f"{ind.title}{value:.0%}，低于 {ind.target:.0%}"
        else:
            if not value:
                continue
            p = ind.weight * min(float(value) / ind.full, 1.0) if ind.full > 0 else ind.weight
            text = f"{ind.title} {_fmt(value)}"
        if p > 0:
            total += p
            penalties.append((p, f"{text}（扣 {p:.1f} 分）"))
    score = round(max(0.0, 100.0 - total), 1)
    rating = next(level for level, min_score in cfg.ratings if score >= min_score)
    reasons = [t for _, t in sorted(penalties, key=lambda x: -x[0])]
    for cap_name, at, level in cfg.caps:
        value = row.get(cap_name) or 0
        if value >= at and cfg.level_rank(rating) < cfg.level_rank(level):
            rating = level
            title = next(i.title for i in cfg.indicators if i.name == cap_name)
            reasons.insert(0, f"{title} {_fmt(value)}，评级至多为“{level}”")
    return {"score": score, "rating": rating, "reasons": reasons}
