"""One entity shape, one id scheme, one registry mechanism (issue 10): unit tests, no database."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from graph.errors import NotFound
from graph.schema import NODE_SPECS
from graph.shape import EntityIdError, edge, edge_id, entity_id, number_parallel, parse_entity_id
from queries.registry import Registry


def test_entity_ids_round_trip_for_every_label() -> None:
    for spec in NODE_SPECS:
        for key in ("010203", "U01:F02", "江州·一所"):  # a key may itself hold a colon
            assert parse_entity_id(entity_id(spec.label, key)) == (spec.label, key)


@pytest.mark.parametrize(
    "bad", ["", "Officer", "Officer:", ":010203", "officer:010203", "Nope:1", "Cluster:K1"]
)
def test_parse_entity_id_rejects(bad: str) -> None:
    with pytest.raises(EntityIdError, match="实体编号应为“类型:编号”"):
        parse_entity_id(bad)


def test_edge_ids_follow_the_documented_example() -> None:
    # docs/architecture.md, "Entity shape".
    assert edge_id("SERVES_IN", "Officer:010203", "Unit:U0101") == "SERVES_IN:Officer:010203->Unit:U0101:0"
    assert edge("PART_OF", "Unit:P1", "Unit:SB1") == {
        "id": "PART_OF:Unit:P1->Unit:SB1:0",
        "type": "PART_OF",
        "from": "Unit:P1",
        "to": "Unit:SB1",
        "props": {},
    }


def test_parallel_edges_numbered_by_properties_not_arrival() -> None:
    later = edge("SERVES_IN", "Officer:1", "Unit:U", {"start_date": "2024-01-01"})
    earlier = edge("SERVES_IN", "Officer:1", "Unit:U", {"start_date": "2019-05-01"})
    other = edge("SERVES_IN", "Officer:2", "Unit:U", {"start_date": "2019-05-01"})
    out = number_parallel([later, other, earlier])
    assert [e["id"] for e in out] == [  # the list keeps its order; only the ordinals change
        "SERVES_IN:Officer:1->Unit:U:1",
        "SERVES_IN:Officer:2->Unit:U:0",
        "SERVES_IN:Officer:1->Unit:U:0",
    ]


@dataclass(frozen=True)
class _Item:
    name: str


def test_registry_names_and_errors() -> None:
    reg: Registry[_Item] = Registry("视图", "view")
    reg.add(_Item("b"))
    reg.add(_Item("a"))
    assert [i.name for i in reg.all()] == ["b", "a"]  # registration order
    assert reg.get("a") == _Item("a")
    with pytest.raises(ValueError, match="duplicate view name b"):
        reg.add(_Item("b"))
    with pytest.raises(NotFound) as e:
        reg.get("c")
    assert str(e.value) == "没有名为 'c' 的视图 / no view named 'c'; 可用 / known: a, b"


def test_views_do_not_load_the_command_line() -> None:
    code = "import sys, viz.views; print(sorted(m for m in sys.modules if m.endswith('commands')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
