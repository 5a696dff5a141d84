// name: ecosystem_orders
// title: 逾期未反馈督办单（政治生态）
// description: 按单位（或分局汇总）统计截至 as_of 交办给该单位、已过期限仍未反馈的督办单数。
// columns: unit_code, overdue_orders
// Groups as in political_ecosystem: 'unit' = the assigned unit; 'sub_bureau' = its ancestor-or-self right
// below the root of the unit tree.
MATCH (o:SupervisionOrder)-[:ORDER_ASSIGNED_TO]->(u:Unit)
WHERE o.deadline < $as_of AND o.issued_on <= $as_of
WITH o, u, COLLECT { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) WHERE e.on <= $as_of
                     RETURN e.state_to ORDER BY e.seq DESC LIMIT 1 }[0] AS state_at
WHERE state_at IN $open_states
CALL (u) {
  MATCH p = (u)-[:PART_OF*0..]->(top:Unit)
  WHERE NOT (top)-[:PART_OF]->(:Unit)
  RETURN nodes(p) AS chain
  ORDER BY length(p) DESC
  LIMIT 1
}
WITH o, CASE WHEN $level = 'unit' OR size(chain) < 2 THEN u ELSE chain[size(chain) - 2] END AS g
RETURN g.code AS unit_code, count(DISTINCT o) AS overdue_orders
ORDER BY unit_code
