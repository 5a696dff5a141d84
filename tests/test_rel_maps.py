"""A relationship read as a map (the ``rel_map`` fragment) gives the same edges as the driver's
relationship object: parallel relationships, provenance left out, dates as text."""

from __future__ import annotations

from typing import Any

import neo4j

from graph.settings import Settings
from graph.shape import EntityCollector
from queries.registry import expand_fragments

GRAPH = """
CREATE (o:Officer {badge_no: '010001', name: '张三'}), (u:Unit {code: 'U1', name: '城东派出所'}),
       (x:Unit {code: 'X1', name: '不在结果里'})
CREATE (o)-[:SERVES_IN {start_key: '2020-01-01', start_date: date('2020-01-01'), post: '科员',
                        ingest_run: 'run-1', source_file: 'postings.csv'}]->(u)
CREATE (o)-[:SERVES_IN {start_key: '2024-03-01', start_date: date('2024-03-01'), post: '副所长'}]->(u)
CREATE (o)-[:SERVES_IN {start_key: '2019-01-01'}]->(x)
"""

READ = "MATCH (o:Officer)-[r]-(u:Unit {code: 'U1'}) RETURN collect(o) + collect(u) AS nodes, collect(REL) AS rels"


def _edges(driver: neo4j.Driver, database: str, rel: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(READ.replace("REL", rel), database_=database)
    col = EntityCollector()
    col.add_any(records[0]["nodes"])
    col.add_any(records[0]["rels"])
    return col.edges


def test_rel_map_gives_the_same_edges_as_the_relationship(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    db.execute_query(GRAPH, database_=database)
    as_objects = _edges(db, database, "r")
    as_maps = _edges(db, database, expand_fragments("{{rel_map(r)}}"))
    assert sorted(as_maps, key=lambda e: str(e["id"])) == sorted(as_objects, key=lambda e: str(e["id"]))
    assert sorted((e["id"], e["props"].get("post")) for e in as_maps) == [
        ("SERVES_IN:Officer:010001->Unit:U1:0", "副所长"),  # ordinals follow the properties
        ("SERVES_IN:Officer:010001->Unit:U1:1", "科员"),
    ]
    props = [e["props"] for e in as_maps]
    assert all("ingest_run" not in p and "source_file" not in p for p in props)
    assert {p["start_date"] for p in props} == {"2020-01-01", "2024-03-01"}


def test_a_rel_map_to_a_node_not_collected_gives_no_edge(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    db.execute_query(GRAPH, database_=database)
    records, _, _ = db.execute_query(
        "MATCH (o:Officer)-[r]->(x:Unit {code: 'X1'}) RETURN o, "
        + expand_fragments("{{rel_map(r)}}")
        + " AS r",
        database_=database,
    )
    col = EntityCollector()
    col.add_any([records[0]["o"], records[0]["r"]])
    assert col.edges == [] and [n["id"] for n in col.nodes] == ["Officer:010001"]
