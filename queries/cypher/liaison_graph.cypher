// name: liaison_graph
// title: 联系基层网络
// description: 当前党委班子成员与其联系的基层单位（节点与联系关系），供网络图展示。
// columns: m, l, u
MATCH (m:Officer)-[c:COMMITTEE_MEMBER_OF]->{{committee()}}
WHERE {{current(c)}}
OPTIONAL MATCH (m)-[l:LIAISES_WITH]->{{grassroots_unit(u)}}
RETURN DISTINCT m, l, u
UNION
MATCH {{grassroots_unit(u)}}
RETURN null AS m, null AS l, u
