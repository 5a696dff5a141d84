"""The content model of a bulletin: sections of paragraphs, tables, figures and notes.

Renderers (DOCX, HTML, PDF) only lay this out; every number in it was put there by
``viz.report.content`` from a prepared query.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Paragraph", "Table", "Figure", "Note", "Block", "Section", "Report", "MARKING"]

MARKING = "内部资料 注意保密"


@dataclass
class Paragraph:
    text: str
    kind: str = "body"  # body | suggestion


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    key: str | None = None  # for references from the text (``〔key〕`` → 表3)
    number: int = 0

    @classmethod
    def keyed(cls, key: str, caption: str, columns: list[str], rows: list[list[str]]) -> Table:
        return cls(caption, columns, rows, key=key)

    @property
    def title(self) -> str:
        return f"表{self.number} {self.caption}" if self.number else self.caption


@dataclass
class Figure:
    caption: str
    png: bytes
    width_cm: float = 15.0
    number: int = 0

    @property
    def title(self) -> str:
        return f"图{self.number} {self.caption}" if self.number else self.caption


@dataclass
class Note:
    """Where the answer rests on missing data, or why a part is empty (shown in italics)."""

    text: str


Block = Paragraph | Table | Figure | Note


@dataclass
class Section:
    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{'一二三四五六七八九十'[self.number - 1]}、{self.title}"

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def notes(self, notes: list[str]) -> None:
        for text in dict.fromkeys(notes):  # each once, in order
            self.blocks.append(Note(text))

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


@dataclass
class Report:
    title: str
    period_label: str
    period_code: str
    date_from: dt.date
    date_to: dt.date
    office: str
    issued_on: dt.date
    data_as_of: dt.date | None
    scope: str  # 全市 or the unit's name
    sections: list[Section]
    figures: dict[str, Any] = field(default_factory=dict)  # the key numbers, machine-readable
    entity_ids: list[str] = field(default_factory=list)  # personal entities shown (for the access log)
    marking: str = MARKING
    query_seconds: list[tuple[str, float]] = field(default_factory=list)  # each query call's time

    @property
    def subtitle(self) -> str:
        return f"（{self.period_label}，{self.date_from.isoformat()} 至 {self.date_to.isoformat()}）"

    def number(self) -> None:
        """Number tables and figures in order and resolve ``〔key〕`` references in the text."""
        refs: dict[str, str] = {}
        t = f = 0
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    t += 1
                    b.number = t
                    if b.key:
                        refs[b.key] = f"表{t}"
                elif isinstance(b, Figure):
                    f += 1
                    b.number = f
        pattern = re.compile(r"（见〔([a-z_]+)〕）")
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    b.text = pattern.sub(
                        lambda m: f"（见{refs[m.group(1)]}）" if m.group(1) in refs else "", b.text
                    )

    def chart_count(self) -> int:
        return sum(len(s.figures()) for s in self.sections)
