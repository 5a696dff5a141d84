"""The registry of prepared queries: discovered once, looked up by name.

A prepared query is a ``QueryDef``: a name, a Chinese title and description, a pydantic
parameter model (defaults and limits), the data scopes its result touches (for the API's roles),
and a ``run`` function that takes the driver, the database name and validated parameters and
returns a ``QueryResult``. Cypher text lives in ``queries/cypher/<name>.cypher``; some queries
post-process in networkx (``queries/analysis``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import neo4j
from pydantic import BaseModel, ConfigDict, ValidationError

from graph.errors import NotFound, QueryParamError


class QueryResult(BaseModel):
    """Rows (a table analysts can export) and, where the query is about a subgraph, the
    graph entities it touches (``nodes``/``edges`` in the API's entity shape)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    columns: list[str]
    rows: list[dict[str, Any]]
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class QueryDef:
    name: str
    title: str                       # Chinese
    description: str                 # Chinese, one paragraph
    params: type[BaseModel]
    run: Callable[[neo4j.Driver, str, Any], QueryResult]
    scopes: frozenset[str] = field(default_factory=frozenset)  # schema scopes the result touches
    entity: str | None = None        # label when the query is about one entity (its key is required)
    aggregate: bool = False          # counts and rates only, no individual's data (leaders may run it)

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        """Validate raw parameters; errors become a QueryParamError in Chinese and English."""
        try:
            return self.params.model_validate(raw)
        except ValidationError as e:
            parts = []
            for err in e.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(参数)"
                parts.append(f"{loc}: {err['msg']}")
            raise QueryParamError(f"查询 {self.name} 的参数有误 / bad parameters for {self.name}: " + "; ".join(parts)) from e

    def execute(self, driver: neo4j.Driver, database: str, raw: dict[str, Any]) -> QueryResult:
        return self.run(driver, database, self.validate(raw))


_QUERIES: dict[str, QueryDef] = {}


def register(q: QueryDef) -> QueryDef:
    if q.name in _QUERIES:
        raise ValueError(f"duplicate query name {q.name}")
    _QUERIES[q.name] = q
    return q


@lru_cache(maxsize=1)
def _discover() -> None:
    """Import every module of ``queries.defs`` once; each registers its queries."""
    import queries.defs as defs

    for mod in pkgutil.iter_modules(defs.__path__):
        importlib.import_module(f"queries.defs.{mod.name}")


def all_queries() -> list[QueryDef]:
    _discover()
    return list(_QUERIES.values())


def get_query(name: str) -> QueryDef:
    _discover()
    try:
        return _QUERIES[name]
    except KeyError:
        raise NotFound(f"没有名为 {name!r} 的查询 / no query named {name!r}; "
                       f"可用 / known: {', '.join(sorted(_QUERIES))}") from None
