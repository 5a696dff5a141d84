// name: relationship_page
// title: 关系分页
// description: 一种关系类型的一页（供其他系统同步）：按起点主键、终点主键、关键属性排序，取游标之后的 $n 条；可按端点、时间范围和导入批次过滤，只含角色可见的端点。
// columns: a, r, b, ak, bk, tb
// template: from_label, rel_type, to_label, from_key, to_key, stamp, visible_a, visible_b
// internal: from_value, to_value, since, until, point, start_field, end_field, tie_props, runs, after_from, after_to, after_tie, n
// Slots: labels, type and property names from graph.schema; visible_a/visible_b are the role's
// visibility predicate (api.security.visibility_predicate: schema labels and $_vis_ parameters).
// The filter below (MATCH … WITH) is the same text as relationship_count.cypher (a test checks it).
// Time range: with $point the relationship has one date ($start_field = $end_field) and must
// carry it; otherwise it is a period that overlaps [$since, $until] (an unknown end is open).
// tb joins the type's key properties with '|': parallel relationships get a stable order.
MATCH (a:{{from_label}})-[r:{{rel_type}}]->(b:{{to_label}})
WHERE {{visible_a}} AND {{visible_b}}
  AND ($from_value IS NULL OR a.{{from_key}} = $from_value)
  AND ($to_value IS NULL OR b.{{to_key}} = $to_value)
  AND (($since IS NULL AND $until IS NULL)
    OR ((NOT $point OR r[$start_field] IS NOT NULL)
      AND ($since IS NULL OR r[$end_field] IS NULL OR r[$end_field] >= $since)
      AND ($until IS NULL OR r[$start_field] IS NULL OR r[$start_field] <= $until)))
  AND ($runs IS NULL OR r.{{stamp}} IN $runs OR a.{{stamp}} IN $runs OR b.{{stamp}} IN $runs)
WITH a, r, b, toString(a.{{from_key}}) AS ak, toString(b.{{to_key}}) AS bk,
  CASE WHEN size($tie_props) = 0 THEN ''
    ELSE substring(reduce(s = '', p IN $tie_props | s + '|' + coalesce(toString(r[p]), '')), 1) END AS tb
WHERE $after_from IS NULL
  OR ak > $after_from OR (ak = $after_from AND (bk > $after_to OR (bk = $after_to AND tb > $after_tie)))
RETURN a, r, b, ak, bk, tb
ORDER BY ak, bk, tb
LIMIT $n
