// name: export_rels
// title: 导出关系
// description: 一种关系类型的全部关系及其两端节点（类型由模式生成），导出整个领域图。
// columns: a, r, b
// template: from_label, rel_type, to_label
MATCH (a:{{from_label}})-[r:{{rel_type}}]->(b:{{to_label}})
RETURN a, r, b
