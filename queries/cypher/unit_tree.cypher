// name: unit_tree
// title: 单位树
// description: 全部单位及其上级单位（隶属关系）；没有上级而有下级的单位是树根（如市公安局），树根的名称取自数据。
// columns: code, name, kind, parent_code, children
MATCH (u:Unit)
OPTIONAL MATCH (u)-[r:PART_OF]->(p:Unit)
RETURN u, r, p, u.code AS code, u.name AS name, u.kind AS kind, p.code AS parent_code,
  COUNT { (:Unit)-[:PART_OF]->(u) } AS children
ORDER BY code, parent_code
