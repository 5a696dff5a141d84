// name: export_rels
// title: 导出关系
// description: 一种关系类型的全部关系：两端节点的主键和关系属性（类型由模式生成），每条记录一批 $chunk 个，流式导出整个领域图。
// columns: chunk
// template: from_label, rel_type, to_label, from_key, to_key
MATCH (a:{{from_label}})-[r:{{rel_type}}]->(b:{{to_label}})
WITH collect([a.{{from_key}}, b.{{to_key}}, properties(r)]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS i
RETURN rows[i..i + $chunk] AS chunk
