"""How risk clusters are ranked (K1 = first), and the one-line reason shown beside each.

A 窝案 (several officers of one unit in one case) is a failure of a unit's own supervision, a
串案 (cases linked across units) one of the wider system; a loose 关联 group only shares clues or
cases. So the kind comes first, then the risk value, then the size: a 窝案 ranks above any 串案
or 关联 group, whatever their size or risk.

>>> rows = [{"kind": "关联", "risk": 9, "size": 4, "officers": ["1"]},
...         {"kind": "窝案", "risk": 5, "size": 4, "officers": ["2"]}]
>>> [r["kind"] for r in sorted(rows, key=cluster_rank_key)]
['窝案', '关联']
"""

from __future__ import annotations

from typing import Any

__all__ = ["KIND_ORDER", "cluster_rank_key", "cluster_reason"]

KIND_ORDER = {"窝案": 0, "串案": 1, "关联": 2}


def cluster_rank_key(row: dict[str, Any]) -> tuple[int, int, int, str]:
    officers = row.get("officers") or [""]
    return (
        KIND_ORDER.get(row.get("kind") or "", 3),
        -int(row.get("risk") or 0),
        -int(row.get("size") or 0),
        str(officers[0]),
    )


def cluster_reason(row: dict[str, Any]) -> str:
    """A short Chinese line saying why the cluster ranks where it does (no personal names)."""
    cases, clues = len(row.get("cases") or []), len(row.get("clues") or [])
    units = row.get("unit_names") or []
    where = "、".join(units[:2]) + (f" 等 {len(units)} 个单位" if len(units) > 2 else "")
    parts = {
        "窝案": f"窝案：同一案件中同一单位多名民警（{where or '单位不详'}）",
        "串案": f"串案：{len(units)} 个单位的 {cases} 个案件相互关联",
    }.get(row.get("kind") or "", f"关联：{row.get('size', 0)} 名民警共同涉及线索或案件")
    extra = [f"{cases} 案 {clues} 线索"]
    if row.get("leaders"):
        extra.append(f"含领导干部 {len(row['leaders'])} 人")
    if row.get("high_risk_posts"):
        extra.append(f"高风险岗位 {len(row['high_risk_posts'])} 人")
    return f"{parts}；{'，'.join(extra)}；风险值 {row.get('risk', 0)}"
