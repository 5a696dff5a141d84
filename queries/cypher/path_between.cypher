// name: path_between
// title: 两实体间最短路径
// description: 两个实体之间不超过 max_hops 步的最短路径（不计方向）。
// columns: path
// template: from_label, from_key, to_label, to_key, max_hops
// internal: from_value, to_value
MATCH (a:{{from_label}} {{{from_key}}: $from_value})
MATCH (b:{{to_label}} {{{to_key}}: $to_value})
OPTIONAL MATCH p = shortestPath((a)-[*..{{max_hops}}]-(b))
WHERE a <> b
RETURN a, b, p AS path
