"""Views on the hand-built world (tests/data/queries/world.py): what they take from the data
rather than from code: the leaders of a cluster (badge numbers carried as data) and the root of
the unit tree (whatever its kind or name)."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from graph.settings import Settings
from tests.data.queries import world
from viz.model import GraphView
from viz.views import LEADER_BORDER, get_view

pytestmark = pytest.mark.neo4j

AS_OF = world.AS_OF.isoformat()


def build(driver: neo4j.Driver, settings: Settings, name: str, **params: Any) -> GraphView:
    return get_view(name).build(driver, settings.neo4j_database, {"as_of": AS_OF, **params})


@pytest.fixture
def w(db: neo4j.Driver, db_settings: Settings) -> neo4j.Driver:
    world.load(db, db_settings.neo4j_database)
    return db


def test_cluster_marks_its_leader(w: neo4j.Driver, db_settings: Settings) -> None:
    # K1 is the 窝案 of 东城一所: A1, A2 and the station head A3 (处级, the one leader).
    view = build(w, db_settings, "risk_cluster", cluster_id="K1")
    officers = {n.key: n for n in view.nodes if n.type == "Officer"}
    assert set(officers) == {"A1", "A2", "A3"}
    assert {k for k, n in officers.items() if n.border == LEADER_BORDER} == {"A3"}
    assert ("领导干部", "是") in officers["A3"].facts
    assert all(("领导干部", "是") not in officers[k].facts for k in ("A1", "A2"))
    first_officer = next(r for r in view.ranked if r.id.startswith("Officer:"))
    assert first_officer.id == "Officer:A3" and first_officer.note.startswith("领导干部 · ")


def test_unit_tree_root_comes_from_the_data(w: neo4j.Driver, db_settings: Settings) -> None:
    """A root whose kind is unknown and whose name is the prefix of its units' names: found by the
    tree (no parent, units below it), and its name is cut from the captions."""
    w.execute_query(
        "MATCH (b:Unit {code: 'B'}) SET b.kind = null, b.name = '江州市公安局' "
        "WITH b MATCH (u:Unit) WHERE u.code IN ['SB1', 'P1'] SET u.name = '江州市公安局' + u.name",
        database_=db_settings.neo4j_database,
    )
    eco = build(w, db_settings, "ecosystem_map")
    captions = {n.id: n.caption for n in eco.nodes}
    assert captions["Unit:P1"] == "东城一所" and captions["Unit:B"] == "江州市公安局"
    # Edges of the unit tree between the units shown (SB1 and SB2 have no rows of their own).
    assert {e.id for e in eco.edges} == {"PART_OF:Unit:XZ->Unit:B:0", "PART_OF:Unit:JZ->Unit:B:0"}

    cards = build(w, db_settings, "ecosystem_map", group_by="sub_bureau")
    assert {n.id: n.caption for n in cards.nodes} == {
        "Unit:SB1": "东城分局",
        "Unit:SB2": "西城分局",
        "Unit:XZ": "刑侦支队",
        "Unit:JZ": "交管支队",
    }

    liaison = build(w, db_settings, "liaison_coverage")
    units = {n.id: n.caption for n in liaison.nodes if n.type == "Unit"}
    assert units["Unit:P1"] == "东城一所"
