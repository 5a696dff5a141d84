"""risk_clusters' projection against an independent networkx reading of the same records, the mass
clue cap and findings; and the command line on an empty and on a loaded database."""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import neo4j
import networkx as nx
import pytest

from graph.settings import Settings
from ingest.job import run_ingest
from queries.defs.clusters import ClusterParams, cluster_projection
from queries.registry import get_query

pytestmark = pytest.mark.neo4j
DB = "neo4j"
REPO = Path(__file__).resolve().parent.parent

MASS = ["O1", "O4", *[f"O{i}" for i in range(7, 17)]]  # clue K3 names 12 officers
FILES: dict[str, list[list[str]]] = {
    "officers": [["badge_no", "name", "rank"], *[[f"O{i}", f"民警{i}", "科员"] for i in range(1, 18)]],
    "clues": [
        ["clue_no", "received_on", "source", "category", "status"],
        ["K1", "2024-01-05", "信访举报", "廉洁纪律", "已立案"],
        ["K2", "2024-02-01", "督察发现", "工作纪律", "已受理"],
        ["K3", "2024-03-01", "信访举报", "群众纪律", "已受理"],
        ["K4", "2024-04-01", "网络舆情", "工作纪律", "已受理"],
    ],
    "cases": [
        ["case_no", "violation_type", "opened_on", "status"],
        ["C1", "廉洁纪律", "2024-02-10", "已结案"],
        ["C2", "工作纪律", "2024-05-01", "审理中"],
        ["C3", "工作纪律", "2024-06-01", "审查调查中"],
    ],
    "clue_subjects": [
        ["clue_no", "badge_no"],
        ["K1", "O1"],
        ["K1", "O2"],
        ["K2", "O2"],
        ["K2", "O3"],
        *[["K3", b] for b in MASS],
        ["K4", "O17"],
    ],
    "case_subjects": [
        ["case_no", "badge_no"],
        ["C1", "O1"],
        ["C1", "O2"],
        ["C1", "O3"],
        ["C2", "O4"],
        ["C2", "O5"],
        ["C3", "O5"],
        ["C3", "O6"],
    ],
    "case_clues": [["case_no", "clue_no"], ["C1", "K1"]],
}


def write_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, rows in FILES.items():
        with open(folder / f"{stem}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    return folder


def networkx_reading(d: Path, max_subjects: int = 10) -> nx.Graph:
    """The reading docs/queries.md gives analysts, line for line."""

    def rows(f: str) -> list[dict[str, str]]:
        return list(csv.DictReader(open(d / f"{f}.csv", encoding="utf-8-sig")))

    groups: dict[tuple[str, str], set[str]] = {("Case", r["case_no"]): set() for r in rows("cases")}
    groups |= {("Clue", r["clue_no"]): set() for r in rows("clues")}
    for r in rows("case_subjects"):
        groups[("Case", r["case_no"])].add(r["badge_no"])
    for r in rows("clue_subjects"):
        groups[("Clue", r["clue_no"])].add(r["badge_no"])
    for r in rows("case_clues"):  # a clue also ties the officers of the cases opened from it
        groups[("Clue", r["clue_no"])] |= groups[("Case", r["case_no"])]
    g = nx.Graph()
    for (kind, _), officers in groups.items():
        if len(officers) <= max_subjects:  # mass clues and cases tie no one
            for a, b in itertools.combinations(sorted(officers), 2):
                g.add_edge(
                    a, b, weight=g.get_edge_data(a, b, {"weight": 0})["weight"] + (3 if kind == "Case" else 1)
                )
    return g


def cp(**raw: Any) -> ClusterParams:
    return ClusterParams.model_validate(raw)


def ties(g: nx.Graph) -> dict[tuple[str, str], float]:
    return {tuple(sorted((a, b))): d["weight"] for a, b, d in g.edges(data=True)}  # type: ignore[misc]


@pytest.fixture
def loaded(db: neo4j.Driver, tmp_path: Path) -> tuple[neo4j.Driver, Path]:
    folder = write_export(tmp_path / "export")
    report = run_ingest(db, DB, folder)
    assert sum(f.rejected for f in report.files.values()) == 0
    return db, folder


def test_projection_equals_an_independent_networkx_reading(loaded: tuple[neo4j.Driver, Path]) -> None:
    db, folder = loaded
    expected = {("O1", "O2"): 4.0, ("O1", "O3"): 4.0, ("O2", "O3"): 5.0, ("O4", "O5"): 3.0, ("O5", "O6"): 3.0}
    proj = cluster_projection(db, DB, cp(max_subjects=10))
    assert ties(proj.graph) == ties(networkx_reading(folder)) == expected
    assert proj.skipped == [{"type": "Clue", "key": "K3", "officers": 12}]
    wide = cluster_projection(db, DB, cp(max_subjects=12))
    assert ties(wide.graph) == ties(networkx_reading(folder, 12)) and len(wide.graph.edges) == 5 + 66
    r = get_query("risk_clusters").execute(db, DB, {"max_subjects": 10})
    assert sorted(x["officers"] for x in r.rows) == [["O1", "O2", "O3"], ["O4", "O5", "O6"]]
    assert {frozenset(c) for c in nx.connected_components(networkx_reading(folder))} == {
        frozenset(x["officers"]) for x in r.rows
    }
    assert r.summary["skipped_mass"] == [{"type": "Clue", "key": "K3", "officers": 12}]
    assert any("线索 K3（12 人）" in n for n in r.notes)


def test_period_and_sustained_findings(loaded: tuple[neo4j.Driver, Path]) -> None:
    db, _ = loaded
    # allegation-level findings, several links per clue and officer (one per allegation)
    db.execute_query(
        """
        MATCH (:Case {case_no: 'C1'})-[i:INVOLVES]->(o:Officer)
        SET i.finding = CASE o.badge_no WHEN 'O1' THEN '查实' WHEN 'O2' THEN '部分查实' ELSE '不实' END
        WITH 1 AS one
        MATCH (:Case {case_no: 'C2'})-[i:INVOLVES]->(:Officer) SET i.finding = '查实'
        WITH 1 AS one
        MATCH (k:Clue {clue_no: 'K1'})-[c:CONCERNS]->(o:Officer)
        SET c.finding = CASE o.badge_no WHEN 'O1' THEN '不实' ELSE '查无实据' END
        WITH k, o WHERE o.badge_no = 'O1'
        CREATE (k)-[:CONCERNS {finding: '查实', allegation: '第二项'}]->(o)""",
        database_=DB,
    )
    sustained = cluster_projection(db, DB, cp(findings="sustained"))
    # C1 ties O1–O2 (O3 不实); K1 ties O1 (one of two links 查实) and C1's sustained O1, O2; C2 ties O4–O5
    assert ties(sustained.graph) == {("O1", "O2"): 4.0, ("O4", "O5"): 3.0}
    assert ties(cluster_projection(db, DB, cp()).graph)[("O1", "O2")] == 4.0  # the extra link counts once
    early = cluster_projection(db, DB, cp(date_to="2024-02-15"))  # K1, K2, C1 only
    assert ties(early.graph) == {("O1", "O2"): 4.0, ("O1", "O3"): 4.0, ("O2", "O3"): 5.0}
    assert early.window.period() == {"date_from": None, "date_to": "2024-02-15"}
    late = get_query("risk_clusters").execute(db, DB, {"date_from": "2024-05-01", "min_size": 2})
    assert [x["officers"] for x in late.rows] == [["O4", "O5", "O6"]]


def test_sustained_without_findings_says_so(loaded: tuple[neo4j.Driver, Path]) -> None:
    db, _ = loaded
    r = get_query("risk_clusters").execute(db, DB, {"findings": "sustained", "max_subjects": 20})
    assert r.rows == [] and any("findings=sustained" in n for n in r.notes)


# --- the command line ------------------------------------------------------------------------


def kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password or "",
        "NEO4J_DATABASE": settings.neo4j_database,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_cli_on_an_empty_database_exits_3(db: neo4j.Driver, db_settings: Settings, tmp_path: Path) -> None:
    r = kg(db_settings, "query", "run", "closed_loop")
    assert r.returncode == 3, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("数据库为空：") and "NEO4J_URI" in lines[0]
    assert "KG_VAR_DIR" in lines[0] and r.stdout == ""
    v = kg(db_settings, "viz", "liaison_coverage", "-o", str(tmp_path / "x.html"), "--purpose", "空库测试")
    assert v.returncode == 0 and v.stderr.startswith("数据库为空：") and (tmp_path / "x.html").exists()


def test_cli_risk_clusters_json_names_the_mass_clue(
    loaded: tuple[neo4j.Driver, Path], db_settings: Settings
) -> None:
    r = kg(
        db_settings,
        "query",
        "run",
        "risk_clusters",
        "-p",
        "date_from=2010-01-01",
        "-p",
        "max_subjects=10",
        "--format",
        "json",
    )
    assert r.returncode == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout)
    assert out["summary"]["skipped_mass"] == [{"type": "Clue", "key": "K3", "officers": 12}]
    assert out["period"] == {"date_from": "2010-01-01", "date_to": "2024-06-01"}
    assert any("K3" in n for n in out["notes"])
    t = kg(db_settings, "query", "run", "liaison_coverage")
    assert t.returncode == 0 and "说明 / notes:" in t.stdout and "未导入联系基层数据" in t.stdout
