"""Report periods: a month (2026-07), a quarter (2026Q3), a half-year (2026H1) or a year (2026).

Every period lies inside one calendar year; ``previous()`` is the period of the same length just
before it and ``last_year()`` the same period one year earlier (同比).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from graph.errors import QueryParamError

__all__ = ["Period", "parse_period"]

Kind = Literal["month", "quarter", "half", "year"]
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_CN_NUM = "一二三四五六七八九十"
_PATTERNS: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"^([0-9]{4})-([0-9]{1,2})$"), "month"),
    (re.compile(r"^([0-9]{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^([0-9]{4})[Hh]([12])$"), "half"),
    (re.compile(r"^([0-9]{4})$"), "year"),
]


@dataclass(frozen=True)
class Period:
    kind: Kind
    year: int
    index: int  # month 1–12, quarter 1–4, half 1–2; 1 for a year

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, (self.index - 1) * _MONTHS[self.kind] + 1, 1)

    @property
    def end(self) -> dt.date:
        last_month = self.index * _MONTHS[self.kind]
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        return {
            "month": f"{self.year}-{self.index:02d}",
            "quarter": f"{self.year}Q{self.index}",
            "half": f"{self.year}H{self.index}",
            "year": f"{self.year}",
        }[self.kind]

    @property
    def label(self) -> str:
        """Chinese name: 2026年第三季度, 2026年7月, 2026年上半年, 2026年."""
        if self.kind == "month":
            return f"{self.year}年{self.index}月"
        if self.kind == "quarter":
            return f"{self.year}年第{_CN_NUM[self.index - 1]}季度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年"

    def previous(self) -> Period:
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        return Period(self.kind, self.year - 1, 12 // _MONTHS[self.kind])

    def last_year(self) -> Period:
        return Period(self.kind, self.year - 1, self.index)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def parse_period(text: str) -> Period:
    """``2026-07``, ``2026Q3``, ``2026H1`` or ``2026``; anything else is a bilingual error."""
    value = (text or "").strip()
    for pattern, kind in _PATTERNS:
        m = pattern.match(value)
        if not m:
            continue
        year = int(m.group(1))
        index = int(m.group(2)) if kind != "year" else 1
        if not 2000 <= year <= 2100 or (kind == "month" and not 1 <= index <= 12):
            break
        return Period(kind, year, index)
    raise QueryParamError(
        f"统计期 {text!r} 无法识别：应为 2026-07（月）、2026Q3（季度）、2026H1（半年）或 2026（年） / "
        f"bad period {text!r}: use 2026-07 (month), 2026Q3 (quarter), 2026H1 (half-year) or 2026 (year)"
    )
