// name: export_nodes
// title: 导出节点
// description: 一种节点类型的全部节点（标签由模式生成），分批导出整个领域图。
// columns: n
// template: label
MATCH (n:{{label}})
RETURN n
