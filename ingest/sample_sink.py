"""Streams sample rows into one CSV per schema file and keeps the few columns the answer key needs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from graph.schema import NODE_SPECS, REL_SPECS

__all__ = ["Sink", "yes_no", "FILE_FIELDS", "KEPT"]

FILE_FIELDS: dict[str, list[str]] = {
    **{n.file: list(n.model.model_fields) for n in NODE_SPECS},
    **{r.file: list(r.model.model_fields) for r in REL_SPECS},
}
"""Input file stem → its column headers (the schema's English field names), in schema order."""

KEPT: dict[str, tuple[str, ...]] = {
    "units": ("code", "kind", "level"),
    "unit_tree": ("unit_code", "parent_code"),
    "officers": ("badge_no", "rank"),
    "postings": ("badge_no", "unit_code", "start_date", "end_date"),
    "party_orgs": ("code", "kind"),
    "party_org_units": ("org_code", "unit_code"),
    "discipline_commissioners": ("badge_no", "org_code", "start_date", "end_date"),
    "committee_members": ("badge_no", "org_code", "start_date", "end_date"),
    "liaisons": ("badge_no", "unit_code", "last_visit_on"),
    "supervision": (
        "body_code",
        "unit_code",
        "supervision_type",
        "rank_scope",
        "include_subtree",
        "start_date",
        "end_date",
    ),
    "clues": ("clue_no", "status", "received_on"),
    "clue_transfers": ("clue_no", "transferred_on", "feedback_on"),
    "clue_handlers": ("clue_no",),
    "rectifications": ("code", "deadline", "status"),
    "cases": ("case_no", "opened_on"),
    "clue_subjects": ("clue_no", "badge_no"),
    "case_subjects": ("case_no", "badge_no"),
    "clue_workers": ("badge_no", "clue_no", "role"),
    "case_workers": ("badge_no", "case_no", "role"),
}
"""Columns retained in memory, per file, for computing the answer key from what was written."""


def yes_no(value: bool) -> str:
    return "是" if value else "否"


class Sink:
    """Opens each file on first use; ``row`` writes one line (missing fields are blank)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._files: dict[str, tuple[IO[str], Any]] = {}
        self.counts: dict[str, int] = {stem: 0 for stem in FILE_FIELDS}
        self.kept: dict[str, list[tuple[str, ...]]] = {stem: [] for stem in KEPT}

    def _writer(self, stem: str) -> Any:
        entry = self._files.get(stem)
        if entry is None:
            fh = (self.out / f"{stem}.csv").open("w", encoding="utf-8", newline="")
            w = csv.writer(fh)
            w.writerow(FILE_FIELDS[stem])
            entry = self._files[stem] = (fh, w)
        return entry[1]

    def row(self, stem: str, **values: str) -> None:
        get = values.get
        self._writer(stem).writerow([get(f, "") for f in FILE_FIELDS[stem]])
        self.counts[stem] += 1
        keep = KEPT.get(stem)
        if keep:
            self.kept[stem].append(tuple([get(f, "") for f in keep]))

    def close(self) -> None:
        """Close every file; files never written get a header line so every stem exists."""
        for stem in FILE_FIELDS:
            self._writer(stem)
        for fh, _ in self._files.values():
            fh.close()
        self._files.clear()
