/* The page logic of a graph view: draw, explain, expand on double-click, export to PNG.
 * Data comes from the JSON block #kg-data written by viz/render.py. No request leaves the page
 * except expansion, which goes to the API the page was served from (api_base). */
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var schema = data.schema;
  var statusEl = document.getElementById("kg-status");
  var container = document.getElementById("kg-net");

  function setStatus(text, isError) {
    statusEl.textContent = text || "";
    statusEl.className = isError ? "kg-status kg-error" : "kg-status";
  }

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.kgNetwork = network;
  window.kgStabilized = false;

  function markStable() {
    if (window.kgStabilized) return;
    window.kgStabilized = true;
    window.kgStableMs = performance.now() - t0;
    document.body.setAttribute("data-stable", "1");
  }
  if (data.options.physics && data.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      markStable();
    });
    network.once("stabilized", markStable);
  } else {
    network.once("afterDrawing", markStable);
  }

  // --- legend ---------------------------------------------------------------------------------
  var legend = document.getElementById("kg-legend");
  data.legend.forEach(function (item) {
    var li = document.createElement("li");
    var sw = document.createElement("span");
    sw.className = "kg-sw kg-sw-" + item.kind + " kg-shape-" + (item.shape || "none") + (item.dashes ? " kg-dashed" : "");
    if (item.kind === "edge") sw.style.borderTopColor = item.color;
    else if (item.kind === "mark") sw.style.borderColor = item.color;
    else sw.style.backgroundColor = item.color;
    li.appendChild(sw);
    li.appendChild(document.createTextNode(item.label));
    legend.appendChild(li);
  });

  // --- expansion on double-click ---------------------------------------------------------------
  function fmt(v) {
    if (v === true) return "是";
    if (v === false) return "否";
    if (Array.isArray(v)) return v.map(fmt).join("、");
    return String(v);
  }
  function propLines(props, fields) {
    var out = [];
    var keys = Object.keys(fields).filter(function (k) { return k in props; });
    Object.keys(props).forEach(function (k) { if (!(k in fields)) keys.push(k); });
    keys.forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === "") return;
      out.push((fields[k] || k) + "：" + fmt(v));
    });
    return out;
  }
  function visNode(n) {
    var spec = schema.nodes[n.type] || { title: n.type, color: "#888888", shape: "dot", fields: {} };
    var lines = [(spec.title + " " + (n.caption || "")).trim()].concat(propLines(n.props || {}, spec.fields));
    return { id: n.id, label: n.caption || n.key, color: spec.color, shape: spec.shape, title: lines.join("\n"),
             kgType: n.type, kgKey: n.key, size: 14 };
  }
  function visEdge(e) {
    var spec = schema.rels[e.type] || { title: e.type, color: "#999999", dashes: false, fields: {} };
    var lines = [spec.title].concat(propLines(e.props || {}, spec.fields));
    return { id: e.id, from: e.from, to: e.to, color: { color: spec.color }, dashes: spec.dashes,
             title: lines.join("\n"), arrows: "to" };
  }

  function expand(nodeId) {
    var node = nodes.get(nodeId);
    if (!node || !node.kgType || node.kgAggregate) {
      setStatus("汇总节点不能展开；请打开对应的单位视图。");
      return;
    }
    if (data.api_base === null) {
      setStatus("展开邻居需要服务器：本文件是离线导出，请通过 API 服务打开本视图（/views/" + data.name + ".html）。", true);
      return;
    }
    var url = data.api_base + "/entities/" + encodeURIComponent(node.kgType) + "/" +
      encodeURIComponent(node.kgKey) + "/neighbors?limit=" + data.expand_limit;
    var purpose = new URLSearchParams(window.location.search).get("purpose");  // the page's 调阅事由
    if (purpose) url += "&purpose=" + encodeURIComponent(purpose);
    setStatus("正在展开 " + (node.label || node.kgKey) + " …");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (res) {
        var pos = network.getPositions([nodeId])[nodeId] || { x: 0, y: 0 };
        var added = 0;
        (res.nodes || []).forEach(function (n, i) {
          if (nodes.get(n.id)) return;
          var v = visNode(n);
          var a = (2 * Math.PI * i) / Math.max(1, res.nodes.length);
          v.x = pos.x + 150 * Math.cos(a);
          v.y = pos.y + 150 * Math.sin(a);
          nodes.add(v);
          added += 1;
        });
        (res.edges || []).forEach(function (e) {
          if (!edges.get(e.id) && nodes.get(e.from) && nodes.get(e.to)) edges.add(visEdge(e));
        });
        var shown = (res.nodes || []).length;
        var more = 0;
        if (typeof res.more === "number") more = res.more;
        else if (typeof res.total === "number") more = Math.max(0, res.total - shown);
        var msg = "已展开 " + (node.label || node.kgKey) + "：新增 " + added + " 个节点";
        if (more > 0) msg += "，另有 " + more + " 个未显示（上限 " + data.expand_limit + "）";
        setStatus(msg);
        document.getElementById("kg-count").textContent = nodes.length;
      })
      .catch(function (err) {
        setStatus("展开失败 / expansion failed: " + err.message, true);
      });
  }
  network.on("doubleClick", function (params) {
    if (params.nodes && params.nodes.length) expand(params.nodes[0]);
  });

  // --- PNG export with the as-of stamp ---------------------------------------------------------
  function exportPng() {
    var src = container.querySelector("canvas");
    var ratio = window.devicePixelRatio || 1;
    var band = Math.round(34 * ratio);
    var out = document.createElement("canvas");
    out.width = src.width;
    out.height = src.height + band;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    ctx.fillStyle = "#333333";
    ctx.font = Math.round(14 * ratio) + "px 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(data.title + "　数据截至 " + data.as_of + "　共 " + nodes.length + " 个节点", 10 * ratio,
                 src.height + band / 2);
    return out.toDataURL("image/png");
  }
  window.kgExportPng = exportPng;
  document.getElementById("kg-export").addEventListener("click", function () {
    var a = document.createElement("a");
    a.href = exportPng();
    a.download = data.name + "_" + data.as_of + ".png";
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
  document.getElementById("kg-fit").addEventListener("click", function () { network.fit(); });
})();
