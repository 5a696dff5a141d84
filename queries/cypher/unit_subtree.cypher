// name: unit_subtree
// title: 单位及下属单位
// description: 一个单位及其全部下属单位（沿隶属关系向下），含层级深度；单位不存在时无结果。
// columns: code, name, kind, level, district, depth
MATCH (root:Unit {code: $unit_code})
MATCH p = (u:Unit)-[:PART_OF*0..]->(root)
WITH u, min(length(p)) AS depth
RETURN u.code AS code, u.name AS name, u.kind AS kind, u.level AS level, u.district AS district, depth
ORDER BY depth, code
