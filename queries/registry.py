"""The registry of prepared queries: discovered once, looked up by name.

A prepared query is a ``QueryDef``: a name, a Chinese title and description, a pydantic
parameter model (defaults and limits), the data scopes its result touches (for the API's roles),
and a ``run`` function that takes the driver, the database name and validated parameters and
returns a ``QueryResult``. Cypher text lives in ``queries/cypher/<name>.cypher``, one named query
per file with a header (see ``load_cypher``); shared domain definitions ("current at as_of",
"leader", "grassroots unit" …) are named fragments in ``queries/cypher/fragments.cypher``, written
``{{name(arg, …)}}`` in a query file and substituted when the file is loaded (see
``expand_fragments``). Some queries post-process in networkx (``queries/analysis``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import neo4j
from pydantic import BaseModel, ConfigDict, ValidationError

from graph.errors import NotFound, QueryParamError
from queries.bulk import gc_paused

__all__ = [
    "CYPHER_DIR",
    "FRAGMENTS_FILE",
    "CypherFile",
    "Fragment",
    "NoParams",
    "QueryDef",
    "QueryResult",
    "Registry",
    "all_queries",
    "expand_fragments",
    "fragments",
    "get_query",
    "load_cypher",
    "query_files",
    "register",
]

CYPHER_DIR = Path(__file__).resolve().parent / "cypher"
FRAGMENTS_FILE = CYPHER_DIR / "fragments.cypher"


class QueryResult(BaseModel):
    """Rows (a table analysts can export) and, where the query is about a subgraph, the
    graph entities it touches (``nodes``/``edges`` in the API's entity shape)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    columns: list[str]
    rows: list[dict[str, Any]]
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    notes: list[str] = []
    """Plain Chinese sentences saying where the answer rests on missing data (shown under every
    table, in the JSON, on the views and in reports)."""
    period: dict[str, Any] = {}
    """For time-based queries: ``{"date_from": ISO, "date_to": ISO}`` of the period actually used."""


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class QueryDef:
    name: str
    title: str  # Chinese
    description: str  # Chinese, one paragraph
    params: type[BaseModel]
    run: Callable[[neo4j.Driver, str, Any], QueryResult]
    scopes: frozenset[str] = field(default_factory=frozenset)  # schema scopes the result touches
    entity: str | None = None  # label when the query is about one entity (its key is required)
    aggregate: bool = False  # counts and rates only, no individual's data (leaders may run it)
    columns: tuple[str, ...] = ()  # result columns, in order
    cypher: tuple[str, ...] = ()  # the .cypher files the query runs (checked against ``params``)

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        """Validate raw parameters; errors become a QueryParamError in Chinese and English."""
        try:
            return self.params.model_validate(raw)
        except ValidationError as e:
            from queries.paramerrors import describe_errors

            raise QueryParamError(describe_errors(self.name, self.params, raw, e)) from e

    def param_list(self) -> list[dict[str, Any]]:
        """``name``, ``type``, ``required``, ``default`` (and title) of each parameter."""
        from queries.paramerrors import param_specs

        return param_specs(self.params)

    def answer(self, driver: neo4j.Driver, database: str, params: BaseModel) -> QueryResult:
        """Run the query on validated parameters. A whole-graph query (``entity`` None) runs with
        the cyclic garbage collector paused (``queries.bulk``): its answers are large."""
        if self.entity is not None:
            return self.run(driver, database, params)
        with gc_paused():
            return self.run(driver, database, params)

    def execute(self, driver: neo4j.Driver, database: str, raw: dict[str, Any]) -> QueryResult:
        return self.answer(driver, database, self.validate(raw))


# ---------------------------------------------------------------------------------------------
# Cypher files
# ---------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^//\s*(name|title|description|columns|internal|template):\s*(.*)$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_TEMPLATE = re.compile(r"\{\{([a-z_]+)\}\}")
_FRAGMENT_HEAD = re.compile(r"^//\s*fragment:\s*([a-z_]+)\(([^()]*)\)\s*$")
_FRAGMENT_CALL = re.compile(r"\{\{([a-z_]+)\(([^(){}]*)\)\}\}")
_FRAGMENT_DEPTH = 8


def query_files() -> list[Path]:
    """The query files of ``queries/cypher`` (every ``.cypher`` file but the fragments)."""
    return sorted(p for p in CYPHER_DIR.glob("*.cypher") if p != FRAGMENTS_FILE)


# ---------------------------------------------------------------------------------------------
# Named fragments: each shared domain definition written once
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """One named fragment of ``fragments.cypher``: ``// fragment: name(p, …)``, comment lines
    saying what it means, then its Cypher text, in which each parameter stands for the argument
    (a variable, a ``$parameter`` or an expression of the calling file)."""

    name: str
    params: tuple[str, ...]
    description: str
    body: str

    def apply(self, args: list[str]) -> str:
        """The body with each parameter (a whole word, not a property or ``$parameter``) replaced."""
        if len(args) != len(self.params):
            raise ValueError(
                f"fragment {self.name} takes ({', '.join(self.params)}), given ({', '.join(args)})"
            )
        if not self.params:
            return self.body
        values = dict(zip(self.params, args, strict=True))
        word = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, self.params)) + r")(?!\w)")
        return word.sub(lambda m: values[m.group(1)], self.body)


@cache
def fragments() -> dict[str, Fragment]:
    """Read ``queries/cypher/fragments.cypher`` once: every named fragment by name."""
    found: dict[str, Fragment] = {}
    current: tuple[str, tuple[str, ...]] | None = None
    notes: list[str] = []
    body: list[str] = []

    def close() -> None:
        if current is None:
            return
        name, params = current
        if not body:
            raise ValueError(f"{FRAGMENTS_FILE}: fragment {name} has no text")
        if name in found:
            raise ValueError(f"{FRAGMENTS_FILE}: fragment {name} defined twice")
        found[name] = Fragment(name, params, " ".join(notes), "\n".join(body).strip())

    for line in FRAGMENTS_FILE.read_text(encoding="utf-8").splitlines():
        m = _FRAGMENT_HEAD.match(line.strip())
        if m:
            close()
            params = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
            current, notes, body = (m.group(1), params), [], []
        elif current is None or not line.strip():
            continue
        elif line.strip().startswith("//"):
            if body:
                raise ValueError(f"{FRAGMENTS_FILE}: fragment {current[0]}: comment inside the text")
            notes.append(line.strip().lstrip("/").strip())
        else:
            body.append(line.rstrip())
    close()
    return found


def expand_fragments(text: str, where: str = "<text>") -> str:
    """Replace every ``{{name(arg, …)}}`` in ``text`` by the named fragment, recursively.

    Only checked-in ``.cypher`` text passes through here, never user input: the arguments are
    variable names, ``$parameters`` or expressions written in the query file.
    """
    table = fragments()

    def one(m: re.Match[str]) -> str:
        name, raw = m.group(1), m.group(2)
        frag = table.get(name)
        if frag is None:
            raise ValueError(
                f"{where}: unknown fragment {{{{{name}(…)}}}}; known: {', '.join(sorted(table))}"
            )
        args = [a.strip() for a in raw.split(",")] if raw.strip() or frag.params else []
        try:
            return frag.apply(args)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None

    for _ in range(_FRAGMENT_DEPTH):
        expanded = _FRAGMENT_CALL.sub(one, text)
        if expanded == text:
            return expanded
        text = expanded
    raise ValueError(f"{where}: fragments nested deeper than {_FRAGMENT_DEPTH} (a cycle?)")


@dataclass(frozen=True)
class CypherFile:
    """One ``.cypher`` file: its header and text.

    Header lines (``// key: value``) at the top of the file:

    * ``name`` (must equal the file stem), ``title`` (Chinese), ``description``,
    * ``columns``: the result columns, comma-separated,
    * ``internal``: parameters the code passes that are not user parameters (declared explicitly),
    * ``template``: ``{{slots}}`` filled from the schema only (backtick-quoted labels/properties).

    ``text`` is the file with its ``{{fragment(…)}}`` uses expanded (``expand_fragments``), so
    ``params`` includes the parameters the fragments bring in (e.g. ``$as_of``).
    """

    name: str
    title: str
    description: str
    columns: tuple[str, ...]
    internal: frozenset[str]
    templates: frozenset[str]
    text: str

    @cached_property
    def params(self) -> frozenset[str]:
        """Every ``$param`` the text uses (comments excluded); read once (every run needs it)."""
        body = "\n".join(line.split("//", 1)[0] for line in self.text.splitlines())
        return frozenset(_PARAM.findall(body))

    def render(self, slots: dict[str, str] | None = None) -> str:
        """The text with its template slots filled; slots come only from the schema."""
        slots = slots or {}
        missing = self.templates - set(slots)
        if missing:
            raise ValueError(f"{self.name}: template slots not filled: {sorted(missing)}")
        return _TEMPLATE.sub(lambda m: slots[m.group(1)], self.text)


@cache
def load_cypher(name: str) -> CypherFile:
    """Read ``queries/cypher/<name>.cypher`` once, fragments expanded; a missing file, bad header
    or unknown fragment fails loudly."""
    path = CYPHER_DIR / f"{name}.cypher"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no Cypher file {path}") from None
    text = expand_fragments(text, str(path))
    head: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            if line.strip().startswith("//") or not line.strip():
                continue
            break
        head[m.group(1)] = m.group(2).strip()
    if head.get("name") != name:
        raise ValueError(f"{path}: header 'name: {name}' missing or different ({head.get('name')!r})")
    for key in ("title", "description", "columns"):
        if not head.get(key):
            raise ValueError(f"{path}: header '{key}:' missing")

    def _split(value: str | None) -> tuple[str, ...]:
        return tuple(p.strip() for p in (value or "").split(",") if p.strip())

    cf = CypherFile(
        name=name,
        title=head["title"],
        description=head["description"],
        columns=_split(head.get("columns")),
        internal=frozenset(_split(head.get("internal"))),
        templates=frozenset(_split(head.get("template"))),
        text=text,
    )
    used_slots = set(_TEMPLATE.findall(text))
    if used_slots != set(cf.templates):
        raise ValueError(
            f"{path}: template slots used {sorted(used_slots)} ≠ declared {sorted(cf.templates)}"
        )
    return cf


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Named definitions (prepared queries, graph views), registered once at import and looked
    up by name; a duplicate name fails at start-up, an unknown one is ``NotFound``."""

    def __init__(
        self,
        kind: str,
        kind_en: str,
        discover: Callable[[], None] | None = None,
        store: dict[str, T] | None = None,
    ) -> None:
        self._items: dict[str, T] = {} if store is None else store
        self._kind, self._kind_en = kind, kind_en
        self._discover = discover or (lambda: None)

    def add(self, item: T) -> T:
        if item.name in self._items:
            raise ValueError(f"duplicate {self._kind_en} name {item.name}")
        self._items[item.name] = item
        return item

    def all(self) -> list[T]:
        self._discover()
        return list(self._items.values())

    def get(self, name: str) -> T:
        self._discover()
        try:
            return self._items[name]
        except KeyError:
            raise NotFound(
                f"没有名为 {name!r} 的{self._kind} / no {self._kind_en} named {name!r}; "
                f"可用 / known: {', '.join(sorted(self._items))}"
            ) from None


@lru_cache(maxsize=1)
def _discover() -> None:
    """Import every module of ``queries.defs`` once; each registers its queries."""
    import queries.defs as defs

    for mod in pkgutil.iter_modules(defs.__path__):
        importlib.import_module(f"queries.defs.{mod.name}")


_QUERIES: dict[str, QueryDef] = {}
"""The registered queries by name (tests stand one in with ``monkeypatch.setitem``)."""
_REGISTRY: Registry[QueryDef] = Registry("查询", "query", _discover, _QUERIES)


def register(q: QueryDef) -> QueryDef:
    for name in q.cypher:
        load_cypher(name)  # a missing or malformed file fails at start-up
    return _REGISTRY.add(q)


def all_queries() -> list[QueryDef]:
    return _REGISTRY.all()


def get_query(name: str) -> QueryDef:
    return _REGISTRY.get(name)
