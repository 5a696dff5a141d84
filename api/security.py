"""Roles, principals, token hashing, visibility and masking.

Stable names used by other layers (the views router included):

* ``Principal``: who is calling (``token_id``, ``name``, ``role``); ``principal.role.can(group)``.
* ``mask_entity(node_dict, principal, purpose=None) -> dict``: an entity in the shape of
  docs/architecture.md, with what the role may not see masked (a copy; the input is untouched).
* ``entity_visible(node_dict, principal) -> bool``: False when the role may not see the entity
  at all (its scope is not granted, or a row filter such as "petition-sourced clues only" drops it).
* ``filter_graph(nodes, edges, principal, purpose=None)``: drop invisible nodes and the edges that
  touch them (or whose type's scope is not granted), mask the rest.
"""

from __future__ import annotations

import hashlib
import secrets
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph.errors import KgError
from graph.schema import NODE_SPECS, REL_SPECS, ClueSource, InspectionKind, node_spec

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
]

ROLES_FILE = Path(__file__).with_name("roles.toml")
ENDPOINT_GROUPS = ("entities", "search", "relationships", "queries", "views", "reports", "audit")
ALL_SCOPES = tuple(sorted({s.scope for s in NODE_SPECS} | {s.scope for s in REL_SPECS}))
PURPOSE_LABELS = frozenset({"Clue", "Case"})
"""Reading one clue's or case's details needs a stated purpose (调阅事由)."""

_SCOPE_OF_LABEL = {s.label: s.scope for s in NODE_SPECS}
_SCOPE_OF_REL = {s.type: s.scope for s in REL_SPECS}


class RoleConfigError(KgError):
    """api/roles.toml contradicts the schema."""


@dataclass(frozen=True)
class Role:
    """One supervision department's rights, read from api/roles.toml."""

    name: str                                  # English identifier
    title: str                                 # Chinese name
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
        raise RoleConfigError(f"roles.toml: {role}.{key} 含未知值 / unknown values {sorted(bad)}; "
                              f"可用 / known: {sorted(allowed)}")
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
            clue_sources=None if clue_sources is None else tuple(sorted(
                _check_list(name, "clue_sources", clue_sources, {m.value for m in ClueSource}))),
            inspection_kinds=None if kinds is None else tuple(sorted(
                _check_list(name, "inspection_kinds", kinds, {m.value for m in InspectionKind}))),
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
    """``张伟`` → ``张*``, ``欧阳明华`` → ``欧***``."""
    if not value:
        return value
    text = str(value)
    return text[:1] + "*" * max(len(text) - 1, 1)


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
    clear = spec.scope in role.personal and (purpose is not None or label not in PURPOSE_LABELS)
    if not clear:
        for f in spec.personal_fields:
            if props.get(f) is not None:
                props[f] = mask_value(props[f])
    if spec.scope in role.mask_names:
        if props.get(spec.name_field) is not None and spec.name_field != spec.key:
            props[spec.name_field] = mask_name(props[spec.name_field])
            out["caption"] = props[spec.name_field]
    out["props"] = props
    return out


def filter_graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], principal: Principal,
                 purpose: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Drop what the role may not see (nodes, their edges, edges of ungranted types); mask the rest."""
    kept = [n for n in nodes if entity_visible(n, principal)]
    ids = {n["id"] for n in kept}
    kept_edges = [e for e in edges if e.get("from") in ids and e.get("to") in ids
                  and principal.role.reads_rel(e.get("type", ""))]
    return [mask_entity(n, principal, purpose) for n in kept], kept_edges


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
        parts.append(f"(NOT {var}:Rectification OR EXISTS {{ ({var})-[:FOUND_BY]->(_i:Inspection) "
                     f"WHERE _i.kind IN $_vis_kinds }})")
        params["_vis_kinds"] = list(role.inspection_kinds)
    return " AND ".join(parts), params
