"""The result columns of the prepared queries: Chinese title, type, unit and meaning.

Declared once in ``queries/columns.toml`` by field name, with per-query overrides; the column
order of a query is its ``QueryDef.columns``. Exports (CSV, XLSX), the terminal table,
``kg query describe``, the API's JSON and docs/queries.md all read these declarations.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "COLUMN_TYPES",
    "ColumnSpec",
    "column_spec",
    "columns_for",
    "missing_declarations",
    "summary_title",
    "table_keys",
]

COLUMNS_FILE = Path(__file__).with_name("columns.toml")

ColumnType = Literal["text", "code", "int", "float", "percent", "date", "bool", "list"]
COLUMN_TYPES: tuple[str, ...] = ("text", "code", "int", "float", "percent", "date", "bool", "list")
TYPE_TITLES = {
    "text": "文本",
    "code": "编码（文本）",
    "int": "整数",
    "float": "数值",
    "percent": "百分比",
    "date": "日期",
    "bool": "是/否",
    "list": "列表",
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str  # field name (JSON key, ``--headers en``)
    title: str  # Chinese title (default header)
    type: ColumnType = "text"
    unit: str = ""
    meaning: str = ""
    declared: bool = True  # False for a column the catalogue does not know (shown by field name)

    def header(self, headers: str = "zh") -> str:
        return self.name if headers == "en" else self.title

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "type": self.type,
            "unit": self.unit,
            "meaning": self.meaning,
        }


def _spec(name: str, raw: dict[str, Any], where: str) -> ColumnSpec:
    unknown = set(raw) - {"title", "type", "unit", "meaning"}
    if unknown:
        raise ValueError(f"{COLUMNS_FILE.name}: {where}: unknown keys {sorted(unknown)}")
    typ = raw.get("type", "text")
    if typ not in COLUMN_TYPES:
        raise ValueError(f"{COLUMNS_FILE.name}: {where}: type {typ!r} not one of {COLUMN_TYPES}")
    if not raw.get("title"):
        raise ValueError(f"{COLUMNS_FILE.name}: {where}: title missing")
    return ColumnSpec(
        name=name, title=raw["title"], type=typ, unit=raw.get("unit", ""), meaning=raw.get("meaning", "")
    )


@dataclass(frozen=True)
class _Catalogue:
    columns: dict[str, ColumnSpec]
    overrides: dict[str, dict[str, dict[str, Any]]]
    summary: dict[str, str]
    table_keys: dict[str, list[str]]


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    with open(COLUMNS_FILE, "rb") as f:
        data = tomllib.load(f)
    columns = {name: _spec(name, raw, f"columns.{name}") for name, raw in data.get("columns", {}).items()}
    overrides: dict[str, dict[str, dict[str, Any]]] = {}
    for query, fields in data.get("queries", {}).items():
        for name, raw in fields.items():
            base = columns[name].as_dict() if name in columns else {}
            base.pop("name", None)
            _spec(name, {**base, **raw}, f"queries.{query}.{name}")  # validate the merged declaration
            overrides.setdefault(query, {})[name] = raw
    return _Catalogue(columns, overrides, dict(data.get("summary", {})), dict(data.get("table_keys", {})))


def column_spec(name: str, query: str | None = None) -> ColumnSpec:
    """The declaration of column ``name`` (with ``query``'s override); an undeclared column is
    shown by its field name, as text."""
    cat = _catalogue()
    override = cat.overrides.get(query or "", {}).get(name)
    base = cat.columns.get(name)
    if base is None and override is None:
        return ColumnSpec(name=name, title=name, declared=False)
    if override is None:
        assert base is not None
        return base
    merged = {**(base.as_dict() if base else {}), **override}
    merged.pop("name", None)
    return replace(_spec(name, merged, f"queries.{query}.{name}"))


def columns_for(query: str | None, names: list[str] | tuple[str, ...]) -> list[ColumnSpec]:
    return [column_spec(n, query) for n in names]


def summary_title(key: str) -> str:
    """The Chinese title of a summary key (the key itself when it is already Chinese or unknown)."""
    return _catalogue().summary.get(key) or (column_spec(key).title if column_spec(key).declared else key)


def table_keys(query: str) -> list[str]:
    """Columns the terminal table shows first for ``query`` (default: the declared order)."""
    return list(_catalogue().table_keys.get(query, []))


def missing_declarations() -> dict[str, list[str]]:
    """Registered queries' columns with no declaration: ``{query: [columns]}`` (empty when all are)."""
    from queries.registry import all_queries

    out: dict[str, list[str]] = {}
    for qd in all_queries():
        missing = [c for c in qd.columns if not column_spec(c, qd.name).declared]
        if missing:
            out[qd.name] = missing
    return out
