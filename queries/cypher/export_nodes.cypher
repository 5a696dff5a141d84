// name: export_nodes
// title: 导出节点
// description: 一种节点类型的全部节点的主键和属性（标签由模式生成），每条记录一批 $chunk 个，流式导出整个领域图。
// columns: chunk
// template: label, key
// Batches of rows per record: far fewer Bolt messages than one record per node.
MATCH (n:{{label}})
WITH collect([n.{{key}}, properties(n)]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS i
RETURN rows[i..i + $chunk] AS chunk
