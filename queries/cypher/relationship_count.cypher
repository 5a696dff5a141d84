// name: relationship_count
// title: 关系计数
// description: 一种关系类型在关系分页的过滤条件下的总数（各页相同）。
// columns: n
// template: from_label, rel_type, to_label, from_key, to_key, stamp, visible_a, visible_b
// internal: from_value, to_value, since, until, point, start_field, end_field, runs
// The filter is the same text as relationship_page.cypher (a test checks it).
MATCH (a:{{from_label}})-[r:{{rel_type}}]->(b:{{to_label}})
WHERE {{visible_a}} AND {{visible_b}}
  AND ($from_value IS NULL OR a.{{from_key}} = $from_value)
  AND ($to_value IS NULL OR b.{{to_key}} = $to_value)
  AND (($since IS NULL AND $until IS NULL)
    OR ((NOT $point OR r[$start_field] IS NOT NULL)
      AND ($since IS NULL OR r[$end_field] IS NULL OR r[$end_field] >= $since)
      AND ($until IS NULL OR r[$start_field] IS NULL OR r[$start_field] <= $until)))
  AND ($runs IS NULL OR r.{{stamp}} IN $runs OR a.{{stamp}} IN $runs OR b.{{stamp}} IN $runs)
RETURN count(r) AS n
