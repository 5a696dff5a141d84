"""Roles, principals, token hashing, visibility and masking.

Stable names used by other layers (the views router included):

* ``Principal``: who is calling (``token_id``, ``name``, ``role``); ``principal.role.can(group)``.
* ``mask_entity(node_dict, principal, purpose=None) -> dict``: an entity in the shape of
  docs/architecture.md, with what the role may not see masked (a copy; the input is untouched).
* ``entity_visible(node_dict, principal) -> bool``: False when the role may not see the entity
  at all (its scope is not granted, or a row filter such as "petition-sourced clues only" drops it).
* ``filter_graph(nodes, edges, principal, purpose=None)``: drop invisible nodes and the edges that
  touch them (or whose type's scope is not granted), mask the rest.
* ``disclose(principal, purpose, nodes=…, edges=…, rows=…)``: the one scope function every route
  passes its answer through: nodes, edges and rows filtered alike, the purpose demanded when
  clue or case detail would leave, masking applied, and the entity ids to record in the access log.
* ``clean_purpose(text)``: a stated purpose checked (2–200 visible characters) or ``BadPurpose``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from graph.access import BadPurpose, clean_purpose
from graph.errors import KgError, NotFound
from graph.schema import NODE_SPECS, PERSONAL_LABELS, REL_SPECS, ClueSource, InspectionKind, node_spec
from graph.shape import edge_id

__all__ = [
    "ENDPOINT_GROUPS",
    "ALL_SCOPES",
    "PURPOSE_LABELS",
    "Role",
    "Principal",
    "load_roles",
    "get_role",
    "new_token",
    "hash_token",
    "mask_value",
    "mask_name",
    "mask_entity",
    "entity_visible",
    "filter_graph",
    "visibility_predicate",
    "disclose",
    "Disclosed",
    "clean_purpose",
    "BadPurpose",
    "PurposeRequired",
    "resolve_key",
]

ROLES_FILE = Path(__file__).with_name("roles.toml")
ENDPOINT_GROUPS = ("entities", "search", "relationships", "queries", "views", "reports", "audit")
ALL_SCOPES = tuple(sorted({s.scope for s in NODE_SPECS} | {s.scope for s in REL_SPECS}))
PURPOSE_LABELS = frozenset({"Clue", "Case"})
"""A response that carries a clue or a case (by entity, edge or row) needs a stated purpose (调阅事由)."""
PURPOSE_SCOPES = frozenset({"clues", "cases"})
"""Rows of a non-aggregate query touching these scopes carry clue or case detail."""


class PurposeRequired(KgError):
    """Reading clue or case detail needs a stated purpose (调阅事由) (400)."""


_SCOPE_OF_LABEL = {s.label: s.scope for s in NODE_SPECS}
_SCOPE_OF_REL = {s.type: s.scope for s in REL_SPECS}


class RoleConfigError(KgError):
    """api/roles.toml contradicts the schema."""


@dataclass(frozen=True)
class Role:
    """One supervision department's rights, read from api/roles.toml."""

    name: str  # English identifier
    title: str  # Chinese name
    endpoints: frozenset[str]
    scopes: frozenset[str]
    personal: frozenset[str]
    mask_names: frozenset[str] = frozenset()
    aggregate_only: bool = False
    clue_sources: tuple[str, ...] | None = None
    inspection_kinds: tuple[str, ...] | None = None

    def can(self, group: str) -> bool:
        return group in self.endpoints

    def reads_label(self, label: str) -> bool:
        return _SCOPE_OF_LABEL.get(label) in self.scopes

    def reads_rel(self, rel_type: str) -> bool:
        return _SCOPE_OF_REL.get(rel_type) in self.scopes

    @property
    def visible_labels(self) -> list[str]:
        return [s.label for s in NODE_SPECS if s.scope in self.scopes]

    @property
    def row_filtered_scopes(self) -> frozenset[str]:
        """Scopes whose rows are filtered; prepared queries touching them cannot be filtered by row."""
        out = set()
        if self.clue_sources is not None:
            out.add("clues")
        if self.inspection_kinds is not None:
            out.add("inspections")
        return frozenset(out)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    token_id: str
    name: str
    role: Role
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _check_list(role: str, key: str, values: Any, allowed: set[str]) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RoleConfigError(f"roles.toml: {role}.{key} 必须是字符串列表 / must be a list of strings")
    bad = set(values) - allowed
    if bad:
        raise RoleConfigError(
            f"roles.toml: {role}.{key} 含未知值 / unknown values {sorted(bad)}; "
            f"可用 / known: {sorted(allowed)}"
        )
    return frozenset(values)


def parse_roles(data: dict[str, Any]) -> dict[str, Role]:
    """Validate the roles table against the schema's scopes and enums."""
    roles: dict[str, Role] = {}
    scopes = set(ALL_SCOPES)
    for name, raw in data.get("roles", {}).items():
        role_scopes = _check_list(name, "scopes", raw.get("scopes", []), scopes)
        clue_sources = raw.get("clue_sources")
        kinds = raw.get("inspection_kinds")
        roles[name] = Role(
            name=name,
            title=str(raw.get("title", name)),
            endpoints=_check_list(name, "endpoints", raw.get("endpoints", []), set(ENDPOINT_GROUPS)),
            scopes=role_scopes,
            personal=_check_list(name, "personal", raw.get("personal", sorted(role_scopes)), scopes),
            mask_names=_check_list(name, "mask_names", raw.get("mask_names", []), scopes),
            aggregate_only=bool(raw.get("aggregate_only", False)),
            clue_sources=None
            if clue_sources is None
            else tuple(
                sorted(_check_list(name, "clue_sources", clue_sources, {m.value for m in ClueSource}))
            ),
            inspection_kinds=None
            if kinds is None
            else tuple(
                sorted(_check_list(name, "inspection_kinds", kinds, {m.value for m in InspectionKind}))
            ),
        )
    if not roles:
        raise RoleConfigError("roles.toml 中没有角色 / no roles in roles.toml")
    titles = [r.title for r in roles.values()]
    if len(titles) != len(set(titles)):
        raise RoleConfigError("roles.toml: 角色中文名重复 / duplicate role titles")
    return roles


@lru_cache(maxsize=4)
def load_roles(path: Path = ROLES_FILE) -> dict[str, Role]:
    with open(path, "rb") as f:
        return parse_roles(tomllib.load(f))


def get_role(name: str) -> Role:
    """A role by its English or Chinese name."""
    roles = load_roles()
    if name in roles:
        return roles[name]
    for r in roles.values():
        if r.title == name:
            return r
    known = ", ".join(f"{r.title} ({r.name})" for r in roles.values())
    raise KgError(f"未知角色 / unknown role {name!r}; 可用 / known: {known}")


# -- tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "kg_"


def new_token() -> tuple[str, str]:
    """A fresh ``(token_id, secret)``; only the hash of the secret is stored."""
    return secrets.token_hex(6), TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# -- masking ---------------------------------------------------------------------------------


def mask_value(value: Any) -> Any:
    """Mask one personal value, keeping just enough to recognise it.

    >>> mask_value("320102199001011234"), mask_value("13812345678"), mask_value(1985)
    ('3201**********1234', '138****5678', '19**')
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "*"
    if isinstance(value, int):
        text = str(value)
        return text[:2] + "*" * (len(text) - 2) if len(text) > 2 else "*" * len(text)
    text = str(value)
    n = len(text)
    if text.isascii() and text.replace("-", "").replace(" ", "").isalnum():
        if n >= 15:
            return text[:4] + "*" * (n - 8) + text[-4:]
        if n >= 7:
            return text[:3] + "*" * (n - 7) + text[-4:]
        return text[:1] + "*" * max(n - 1, 1)
    if n <= 4:
        return text[:1] + "*" * max(n - 1, 1)
    return "（已屏蔽 / masked）"


def mask_name(value: Any) -> Any:
    """``张伟`` → ``张**``, ``欧阳明华`` → ``欧**``: the first character and two stars, whatever
    the length (the length of a name narrows it down)."""
    if not value:
        return value
    return str(value)[:1] + "**"


# -- purpose ---------------------------------------------------------------------------------
# ``clean_purpose`` and ``BadPurpose`` live in graph.access (the command line checks purposes too).


# -- pseudonyms for masked keys ----------------------------------------------------------------

PSEUDONYM_PREFIX = "~"
PSEUDONYM_KEY_ENV = "KG_PSEUDONYM_KEY"
"""Hex AES-SIV key the aliases are made with. ``kg serve`` draws one per start and hands it to its
workers, so every worker opens every alias; a process without it draws its own."""


@lru_cache(maxsize=1)
def _alias_cipher() -> AESSIV:
    raw = os.environ.get(PSEUDONYM_KEY_ENV)
    if not raw:
        return AESSIV(AESSIV.generate_key(512))
    try:
        return AESSIV(bytes.fromhex(raw))
    except ValueError as e:
        raise KgError(f"{PSEUDONYM_KEY_ENV} 不是有效的 AES-SIV 密钥 / is not a valid AES-SIV key: {e}") from e


def new_pseudonym_key() -> str:
    """A fresh key for ``KG_PSEUDONYM_KEY`` (hex)."""
    return AESSIV.generate_key(512).hex()


def pseudonym(label: str, key: str) -> str:
    """A stand-in for a key the role may not see, e.g. ``~c2ar6jkvxzo…``: the key encrypted with
    AES-SIV (deterministic, so one entity keeps one alias) under the server's key, the label bound
    as associated data. Only the server can open it (``resolve_key``), and a forged or altered
    alias does not open at all."""
    sealed = _alias_cipher().encrypt(key.encode("utf-8"), [label.encode("utf-8")])
    return PSEUDONYM_PREFIX + base64.b32encode(sealed).decode("ascii").rstrip("=").lower()


def _open_pseudonym(label: str, alias: str) -> str | None:
    body = alias.removeprefix(PSEUDONYM_PREFIX)
    if body == alias or not body.isalnum() or not body.isascii():
        return None
    try:
        sealed = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
        real = _alias_cipher().decrypt(sealed, [label.encode("utf-8")]).decode("utf-8")
    except (ValueError, InvalidTag, UnicodeDecodeError):
        return None
    # Only the spelling the server hands out (not another case or unused trailing bits of it).
    return real if pseudonym(label, real) == alias else None


def key_masked(role: Role, label: str) -> bool:
    """Whether ``role`` sees ``label``'s business key (警号) only as a pseudonym: the key goes with
    the name (a badge number beside a masked name would undo the mask)."""
    return label in _MASKABLE_KEY and _SCOPE_OF_LABEL.get(label) in role.mask_names


def resolve_key(role: Role, label: str, key: str) -> str:
    """The real key behind what the caller sent: a pseudonym for roles that see keys masked
    (a real key from them is not accepted), the key itself otherwise."""
    if not key_masked(role, label):
        return key
    real = _open_pseudonym(label, key)
    if real is None:
        raise NotFound(
            f"没有{node_spec(label).title} {key!r}（此角色只能使用页面给出的代号）/ no {label} {key!r} "
            "(this role addresses it by the alias the API returned)"
        )
    return real


def _clue_allowed(role: Role, props: dict[str, Any]) -> bool:
    return role.clue_sources is None or props.get("source") in role.clue_sources


def entity_visible(node: dict[str, Any], principal: Principal) -> bool:
    """Whether the role may see this entity at all (scope and row filters)."""
    role = principal.role
    label = node.get("type", "")
    if not role.reads_label(label):
        return False
    props = node.get("props") or {}
    if label == "Clue":
        return _clue_allowed(role, props)
    if label == "Inspection" and role.inspection_kinds is not None:
        return props.get("kind") in role.inspection_kinds
    if label == "Rectification" and role.inspection_kinds is not None:
        # The API adds the kind of the inspection that found it (see api.graphread).
        return node.get("_inspection_kind") in role.inspection_kinds
    return True


def mask_entity(node: dict[str, Any], principal: Principal, purpose: str | None = None) -> dict[str, Any]:
    """A copy of ``node`` (entity shape) with fields the role may not read masked.

    Personal fields stay in clear only when the role has the node's scope in ``personal``; a
    clue's or case's summary additionally needs a stated ``purpose``.
    """
    out = {k: v for k, v in node.items() if not k.startswith("_")}
    label = node.get("type", "")
    try:
        spec = node_spec(label)
    except KeyError:
        return out
    role = principal.role
    props = dict(node.get("props") or {})
    # Personal fields leave in clear only for a role with the scope in ``personal`` that stated
    # why it reads them.
    clear = spec.scope in role.personal and purpose is not None
    if not clear:
        for f in spec.personal_fields:
            if props.get(f) is not None:
                props[f] = mask_value(props[f])
    if spec.scope in role.mask_names:
        if props.get(spec.name_field) is not None and spec.name_field != spec.key:
            props[spec.name_field] = mask_name(props[spec.name_field])
            out["caption"] = props[spec.name_field]
        if key_masked(role, label) and out.get("key") is not None:
            alias = pseudonym(label, str(out["key"]))
            out["key"], out["id"] = alias, f"{label}:{alias}"
            props[spec.key] = alias
            unit = node.get("_unit_name") or props.get("unit_name")
            out["caption"] = " · ".join(
                str(p) for p in (props.get(spec.name_field), props.get("rank"), unit) if p
            )
    out["props"] = props
    return out


def filter_graph(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], principal: Principal, purpose: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Drop what the role may not see (nodes, their edges, edges of ungranted types); mask the rest."""
    d = disclose(principal, purpose, nodes=nodes, edges=edges, require=False)
    return d.nodes, d.edges


_MASKABLE_KEY = frozenset(s.label for s in NODE_SPECS if s.personal_fields and s.name_field != s.key)
_KEY_COLUMNS = {s.key: s.label for s in NODE_SPECS if s.personal_fields and s.key not in ("code",)}
_LIST_COLUMNS = {"officers": "Officer", "clues": "Clue", "cases": "Case"}
"""Row columns that hold business keys of personal-data entities (for the access log)."""
_REL_TYPES = frozenset(_SCOPE_OF_REL)
_LABELS = frozenset(_SCOPE_OF_LABEL)


def _entity_ref(value: Any) -> tuple[str, str] | None:
    if isinstance(value, str) and ":" in value:
        label, _, key = value.partition(":")
        if label in _LABELS and key:
            return label, key
    return None


def _row_refs(row: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Entity ids and relationship types a row refers to."""
    ids: set[str] = set()
    rels: set[str] = set()
    for col, value in row.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            ref = _entity_ref(v)
            if ref is not None:
                ids.add(f"{ref[0]}:{ref[1]}")
            elif isinstance(v, str) and v in _REL_TYPES:
                rels.add(v)
            elif col in _KEY_COLUMNS and isinstance(v, (str, int)) and v != "":
                ids.add(f"{_KEY_COLUMNS[col]}:{v}")
            elif col in _LIST_COLUMNS and isinstance(value, list) and isinstance(v, (str, int)):
                ids.add(f"{_LIST_COLUMNS[col]}:{v}")
    return ids, rels


@dataclass
class Disclosed:
    """What may leave, masked, and the entity ids (real ones) the access record must name."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    entity_ids: list[str]
    dropped_rows: int = 0
    dropped_nodes: int = 0
    alias: dict[str, str] = field(default_factory=dict)
    """Real id → the pseudonymous id shown (for edges the caller adds itself)."""

    def alias_edge(self, edge: dict[str, Any]) -> dict[str, Any]:
        return alias_edge_ends(edge, self.alias) if self.alias else edge


def disclose(
    principal: Principal,
    purpose: str | None,
    *,
    nodes: Iterable[dict[str, Any]] = (),
    edges: Iterable[dict[str, Any]] = (),
    rows: Iterable[dict[str, Any]] = (),
    rows_carry_detail: bool = False,
    require: bool = True,
    mask_row: Any = None,
    edges_only: bool = False,
    prefiltered: bool = False,
) -> Disclosed:
    """The one scope function for every answer: nodes, edges and rows filtered alike.

    * a node is kept when the role sees it (scope and row filters); an edge when the role reads
      its type and sees both ends (``edges_only``: a page of relationships without their nodes); a row when every entity and relationship type it names is
      one the role may see (a row naming an unseen entity is dropped, not half-shown);
    * with ``require``, clue or case detail (a Clue or Case node, an edge touching one, or rows
      with ``rows_carry_detail``) without a purpose raises ``PurposeRequired`` — before anything
      is returned;
    * what is kept is masked for the role (``mask_entity``; masked keys become pseudonyms in
      nodes and edge ends);
    * ``entity_ids``: the real ids of every personal-data entity the answer names, rows included.
    """
    role = principal.role
    nodes = list(nodes)
    if prefiltered:  # row filters already applied in Cypher (api.graphread): scopes checked again
        kept = [n for n in nodes if role.reads_label(n.get("type", ""))]
    else:
        kept = [n for n in nodes if entity_visible(n, principal)]
    ids = {n["id"] for n in kept}
    if edges_only:  # a relationship page: ends are ids only, their row filters applied in Cypher
        kept_edges = [
            e
            for e in edges
            if role.reads_rel(e.get("type", ""))
            and all(role.reads_label(x.partition(":")[0]) for x in (e["from"], e["to"]))
        ]
    else:
        kept_edges = [
            e
            for e in edges
            if e.get("from") in ids and e.get("to") in ids and role.reads_rel(e.get("type", ""))
        ]
    known = {n["id"] for n in nodes}
    kept_rows: list[dict[str, Any]] = []
    row_ids: set[str] = set()
    dropped = 0
    for r in rows:
        refs, rels = _row_refs(r)
        ok = all(rel in _REL_TYPES and role.reads_rel(rel) for rel in rels)
        for ref in refs:
            label = ref.partition(":")[0]
            if not role.reads_label(label) or (ref in known and ref not in ids):
                ok = False
                break
        if ok:
            kept_rows.append(r)
            row_ids |= refs
        else:
            dropped += 1
    if require and purpose is None:
        labels = {n["type"] for n in kept} | {
            x.partition(":")[0] for e in kept_edges for x in (e["from"], e["to"])
        }
        if labels & PURPOSE_LABELS or (rows_carry_detail and kept_rows):
            raise PurposeRequired(
                "此回答含线索或案件详情，须说明调阅事由（请求头 X-Access-Purpose 或参数 purpose）/ this answer carries "
                "clue or case detail: state a purpose (X-Access-Purpose header or ?purpose=)"
            )
    personal = {n["id"] for n in kept if n.get("type") in PERSONAL_LABELS}
    personal |= {
        x for e in kept_edges for x in (e["from"], e["to"]) if x.partition(":")[0] in PERSONAL_LABELS
    }
    personal |= {x for x in row_ids if x.partition(":")[0] in PERSONAL_LABELS}
    masked = [mask_entity(n, principal, purpose) for n in kept]
    alias = {n["id"]: m["id"] for n, m in zip(kept, masked, strict=True) if n["id"] != m["id"]}
    if alias:
        kept_edges = [alias_edge_ends(e, alias) for e in kept_edges]
    out_rows = [mask_row(r) for r in kept_rows] if mask_row is not None else kept_rows
    return Disclosed(masked, kept_edges, out_rows, sorted(personal), dropped, len(nodes) - len(kept), alias)


def alias_edge_ends(edge: dict[str, Any], alias: dict[str, str]) -> dict[str, Any]:
    """The edge with its ends (and id) renamed by ``alias`` (real id → the id the role sees)."""
    f, t = alias.get(edge["from"], edge["from"]), alias.get(edge["to"], edge["to"])
    if f == edge["from"] and t == edge["to"]:
        return edge
    out = dict(edge, **{"from": f, "to": t})
    ordinal = str(edge.get("id", "")).rsplit(":", 1)[-1]
    out["id"] = edge_id(edge["type"], f, t, int(ordinal) if ordinal.isdigit() else 0)
    return out


def visibility_predicate(var: str, role: Role) -> tuple[str, dict[str, Any]]:
    """A Cypher predicate on node variable ``var`` that keeps only what ``role`` may see.

    ``var`` is an identifier chosen by the caller's code (never user input). Parameters are
    prefixed ``_vis_`` so they do not clash with the caller's.
    """
    parts = [f"any(l IN labels({var}) WHERE l IN $_vis_labels)"]
    params: dict[str, Any] = {"_vis_labels": role.visible_labels}
    if role.clue_sources is not None:
        parts.append(f"(NOT {var}:Clue OR {var}.source IN $_vis_clue_sources)")
        params["_vis_clue_sources"] = list(role.clue_sources)
    if role.inspection_kinds is not None:
        parts.append(f"(NOT {var}:Inspection OR {var}.kind IN $_vis_kinds)")
        parts.append(
            f"(NOT {var}:Rectification OR EXISTS {{ ({var})-[:FOUND_BY]->(_i:Inspection) "
            f"WHERE _i.kind IN $_vis_kinds }})"
        )
        params["_vis_kinds"] = list(role.inspection_kinds)
    return " AND ".join(parts), params
