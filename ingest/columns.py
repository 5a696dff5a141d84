"""Column headers and field types of the input files, derived from the schema's row models.

A column header may be the field's English name, its Chinese title or one of its declared
``aliases``. Headers are compared after NFKC normalisation (full-width letters and brackets
become ASCII), with spaces, a leading BOM and ``*`` required-markers removed, and case folded.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic.fields import FieldInfo

from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec, Record, RelSpec

__all__ = [
    "FieldType",
    "InputSpec",
    "input_specs",
    "normalise_header",
    "header_index",
    "accepted_headers",
    "field_type",
]


def normalise_header(text: str) -> str:
    """The comparable form of a column header."""
    text = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "*\u200b")
    return text.casefold()


def accepted_headers(info: FieldInfo, name: str) -> list[str]:
    """English name, Chinese title, then the declared aliases, in that order."""
    out = [name]
    if info.title:
        out.append(info.title)
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        out.extend(str(a) for a in extra.get("aliases", []) or [])  # type: ignore[union-attr]
    return out


@cache
def header_index(model: type[Record]) -> dict[str, str]:
    """Normalised header → field name; a header claimed by two fields is a schema error."""
    index: dict[str, str] = {}
    for name, info in model.model_fields.items():
        for header in accepted_headers(info, name):
            norm = normalise_header(header)
            other = index.setdefault(norm, name)
            if other != name:
                raise ValueError(f"{model.__name__}: header {header!r} claimed by {other} and {name}")
    return index


@dataclass(frozen=True)
class FieldType:
    """What a field holds, for the contract and for converting cell values."""

    kind: str  # "text" | "int" | "bool" | "date" | "enum"
    optional: bool
    enum: type[enum.Enum] | None = None

    @property
    def title(self) -> str:
        return {"text": "文本", "int": "整数", "bool": "是/否", "date": "日期", "enum": "枚举"}[self.kind]


def field_type(info: FieldInfo) -> FieldType:
    ann: Any = info.annotation
    optional = False
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        optional = len(args) < len(typing.get_args(ann))
        ann = args[0]
    if typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return FieldType("enum", optional, ann)
    if ann is bool:
        return FieldType("bool", optional)
    if ann is int:
        return FieldType("int", optional)
    if ann is dt.date:
        return FieldType("date", optional)
    return FieldType("text", optional)


@dataclass(frozen=True)
class InputSpec:
    """One input file: the node or relationship type it feeds."""

    file: str
    kind: str  # "node" | "relationship"
    spec: NodeSpec | RelSpec

    @property
    def model(self) -> type[Record]:
        return self.spec.model

    @property
    def name(self) -> str:
        """The label or relationship type."""
        return self.spec.label if isinstance(self.spec, NodeSpec) else self.spec.type

    @property
    def title(self) -> str:
        """The Chinese name of the type."""
        return self.spec.title

    @property
    def required_fields(self) -> list[str]:
        return [n for n, f in self.model.model_fields.items() if f.is_required()]


def input_specs() -> list[InputSpec]:
    """Every input file in load order: node files first, then relationship files."""
    return [InputSpec(n.file, "node", n) for n in NODE_SPECS] + [
        InputSpec(r.file, "relationship", r) for r in REL_SPECS
    ]
