// name: supervision_rules
// title: 监督关系数量
// description: 给定监督类型的监督关系（SUPERVISES）数量；为 0 时说明该类型的监督关系数据没有导入，缺位无从判断。
// columns: rules
MATCH ()-[s:SUPERVISES]->()
WHERE s.supervision_type = $supervision_type
RETURN count(s) AS rules
