// name: data_as_of
// title: 数据截至日期
// description: 图中最新的业务日期（最新线索受理、立案、结案、走访、检查日期），作为“数据截至”和默认统计期的终点。
// columns: latest
CALL () {
  {{data_dates()}}
}
RETURN max(d) AS latest
